// The first rows of a tabular dataset.

import { h, replaceChildren } from "../../ui/dom.js";

export function render(el, data, { t }) {
  const rows = (data.rows ?? []).slice(0, 12);
  replaceChildren(
    el,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data-table" },
        h("thead", {}, h("tr", {}, (data.columns ?? []).map((column) => h("th", { text: String(column) })))),
        h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", { text: formatCell(cell) }))))),
      ),
      data.rows?.length > rows.length ? h("p", { class: "muted small", text: t("preview.moreRows", { n: data.rows.length - rows.length }) }) : null,
    ),
  );
}

function formatCell(cell) {
  return typeof cell === "number" && !Number.isInteger(cell) ? cell.toFixed(3) : String(cell);
}
