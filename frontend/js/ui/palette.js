// The layer palette, built from `/api/layers`: every type grouped by category
// (in the server's order), with a filter box. Click adds at the end; drag drops
// at a position.

import { serverText } from "../lib/i18n.js";
import { h, replaceChildren } from "./dom.js";

export const LAYER_MIME = "application/x-torchplay-layer";

export function createPalette({ layers, t, onAdd }) {
  const categories = [...new Set(layers.map((layer) => layer.category))];
  let query = "";

  const search = h("input", {
    type: "search",
    class: "palette-search",
    placeholder: t("palette.search"),
    "aria-label": t("palette.search"),
    dataset: { testid: "palette-search" },
    oninput: () => {
      query = search.value.trim().toLowerCase();
      renderItems();
    },
  });
  const items = h("div", { class: "palette-items", dataset: { testid: "palette" } });

  function item(layer) {
    return h("button", {
      type: "button",
      class: ["palette-item", `cat-${layer.category}`],
      draggable: "true",
      title: serverText(t.lang, layer.description, layer.description_zh),
      dataset: { type: layer.type, testid: `palette-${layer.type}` },
      text: layer.type,
      onclick: () => onAdd(layer.type),
      ondragstart: (event) => {
        event.dataTransfer.setData(LAYER_MIME, layer.type);
        event.dataTransfer.effectAllowed = "copy";
      },
    });
  }

  function renderItems() {
    const groups = categories
      .map((category) => [category, layers.filter((layer) => layer.category === category && layer.type.toLowerCase().includes(query))])
      .filter(([, members]) => members.length);
    replaceChildren(
      items,
      groups.length
        ? groups.map(([category, members]) =>
            h(
              "div",
              { class: ["palette-group", `cat-${category}`] },
              // The label never ends a line on its own: it stays with its first layer.
              h("span", { class: "palette-lead" }, h("span", { class: "palette-category", text: t(`category.${category}`) }), item(members[0])),
              members.slice(1).map(item),
            ),
          )
        : h("span", { class: "muted small", text: t("palette.noMatch") }),
    );
  }

  renderItems();
  return h(
    "div",
    { class: "palette" },
    h("div", { class: "palette-top" }, h("span", { class: "palette-hint", text: t("palette.hint") }), search),
    items,
  );
}
