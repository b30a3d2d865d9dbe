// One layer in the designer: header (handle, index, type, output shape, parameter
// count, move/duplicate/remove buttons), its parameter form and its error line.

import { serverText } from "../lib/i18n.js";
import { formatCount, formatShape } from "../lib/format.js";
import { createParamForm } from "./param-form.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";

export function createLayerCard({ layer, schema, t, actions }) {
  const category = schema?.category ?? "unknown";
  // A span, not a <button>: Chromium won't start a drag from a button.
  const handle = h(
    "span",
    {
      role: "button",
      tabindex: "0",
      class: "drag-handle",
      title: t("designer.dragHint"),
      "aria-label": t("designer.dragHint"),
      // The handle is the keyboard way to reorder too: ↑/↓ while it has focus.
      onkeydown: (event) => {
        const delta = { ArrowUp: -1, ArrowDown: +1 }[event.key];
        if (!delta) return;
        event.preventDefault();
        actions.move(layer.id, delta);
      },
    },
    icon("grip"),
  );
  const indexEl = h("span", { class: "layer-index" });
  const shapeEl = h("span", { class: "chip chip-shape", title: t("designer.outputShape"), dataset: { testid: "layer-shape" } });
  const countEl = h("span", { class: "layer-params", dataset: { testid: "layer-params" } });
  const errorEl = h("div", { class: "layer-error", role: "alert", dataset: { testid: "layer-error" }, hidden: true });
  // The plan's warnings on this layer: it runs, but may surprise (more class scores than classes).
  const warningEl = h("div", { class: "field-warning", role: "note", dataset: { testid: "layer-warning" }, hidden: true });

  const button = (name, labelKey, onclick, extra = {}) =>
    h("button", { type: "button", class: "icon-btn", title: t(labelKey), "aria-label": t(labelKey), onclick, ...extra }, icon(name));
  const upButton = button("up", "designer.moveUp", () => actions.move(layer.id, -1));
  const downButton = button("down", "designer.moveDown", () => actions.move(layer.id, +1));

  const form = schema
    ? createParamForm({
        fields: schema.fields,
        values: layer.params,
        t,
        idPrefix: `p-${layer.id}`,
        onChange: (name, value) => actions.setParam(layer.id, name, value),
        onInvalid: (name, message) => actions.setFormError(`${layer.id}.${name}`, message),
      })
    : null;

  const el = h(
    "li",
    {
      class: ["layer-card", `cat-${category}`],
      dataset: { id: layer.id, type: layer.type, testid: "layer-card" },
      "aria-label": layer.type,
    },
    h(
      "div",
      { class: "layer-head" },
      handle,
      indexEl,
      h("span", { class: "layer-type", title: serverText(t.lang, schema?.description, schema?.description_zh) ?? "", text: layer.type }),
      h("span", { class: "layer-arrow", "aria-hidden": "true", text: "→" }),
      shapeEl,
      countEl,
      h(
        "span",
        { class: "layer-actions" },
        upButton,
        downButton,
        button("copy", "designer.duplicate", () => actions.duplicate(layer.id), { dataset: { testid: "duplicate-layer" } }),
        button("close", "designer.remove", () => actions.remove(layer.id), { class: "icon-btn danger", dataset: { testid: "remove-layer" } }),
      ),
    ),
    form?.el,
    errorEl,
    warningEl,
  );
  if (!schema) showErrors([{ field: "", msg: t("designer.unknownType", { type: layer.type }) }]);

  // Only the handle drags (so text in the inputs stays selectable); the picture
  // under the pointer is the whole card.
  handle.draggable = true;
  handle.addEventListener("dragstart", (event) => {
    const box = el.getBoundingClientRect();
    event.dataTransfer.setDragImage(el, event.clientX - box.left, event.clientY - box.top);
    el.classList.add("dragging");
    actions.dragStart(event, layer.id);
  });
  handle.addEventListener("dragend", () => el.classList.remove("dragging"));

  function setPosition(index, count) {
    indexEl.textContent = String(index + 1);
    upButton.disabled = index === 0;
    downButton.disabled = index === count - 1;
  }

  function setInfo(info) {
    shapeEl.textContent = info?.outputShape ? formatShape(info.outputShape) : "?";
    shapeEl.classList.toggle("unknown", !info?.outputShape);
    const params = info?.params;
    const count = typeof params === "number" ? t("designer.paramCount", { n: formatCount(params) }) : "";
    // The server's arithmetic for the count (in × out + out for Linear), so the page keeps no copy.
    countEl.textContent = info?.formula ? `${info.formula} = ${count}` : count;
    countEl.title = typeof params === "number" ? String(params) : "";
  }

  function showErrors(errors) {
    const list = errors ?? [];
    el.classList.toggle("invalid", list.length > 0);
    errorEl.hidden = list.length === 0;
    // The server's messages usually name the field already.
    errorEl.textContent = list
      .map((error) => (error.field && !error.msg.includes(error.field) ? `${error.field}: ${error.msg}` : error.msg))
      .join(" · ");
    const byField = {};
    for (const error of list) if (error.field) byField[error.field.split(/[.[]/)[0]] = error.msg;
    form?.setServerErrors(byField);
  }

  function showWarnings(warnings) {
    const list = warnings ?? [];
    warningEl.hidden = list.length === 0;
    warningEl.textContent = list.map((warning) => warning.msg).join(" · ");
  }

  return { el, setPosition, setInfo, showErrors, showWarnings, focusHandle: () => handle.focus() };
}
