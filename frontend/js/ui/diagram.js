// Draws the network: neurons and connections for small MLPs, otherwise one box
// per layer with its output shape. Geometry comes from lib/diagram-layout.js.

import { boxLayout, mlpColumns, neuronLayout } from "../lib/diagram-layout.js";
import { formatShape } from "../lib/format.js";
import { h, replaceChildren, svg } from "./dom.js";

export function renderDiagram(container, { inputShape, layers, info, invalid, t, width }) {
  const shapes = Object.fromEntries(Object.entries(info ?? {}).map(([index, layer]) => [index, layer.outputShape]));
  const columns = invalid.size === 0 ? mlpColumns(inputShape, layers, shapes) : null;
  container.dataset.mode = columns ? "neurons" : "boxes";
  if (!layers.length) {
    replaceChildren(container, h("p", { class: "empty-note", text: t("designer.diagramEmpty") }));
    return;
  }
  replaceChildren(container, columns ? neurons(columns, width, t) : boxes(inputShape, layers, shapes, invalid, t));
}

function neurons(columns, width, t) {
  const layout = neuronLayout(columns, { width: Math.max(320, width) });
  const root = svg("svg", {
    class: "diagram-svg",
    viewBox: `0 0 ${layout.width} ${layout.height + 18}`,
    width: layout.width,
    height: layout.height + 18,
    role: "img",
    "aria-label": t("designer.diagram"),
  });
  const edges = svg("g", { class: "edges" });
  for (const edge of layout.edges) edges.append(svg("line", { x1: edge.x1, y1: edge.y1, x2: edge.x2, y2: edge.y2 }));
  root.append(edges);
  layout.columns.forEach((column, c) => {
    const last = c === layout.columns.length - 1;
    const kind = column.type === "input" ? "input" : last ? "output" : "hidden";
    const group = svg("g", { class: `neurons ${kind}` });
    for (const node of column.nodes) group.append(svg("circle", { cx: node.x, cy: node.y, r: layout.radius }));
    const title = column.type === "input" ? t("designer.input") : column.activation ? `Linear · ${column.activation}` : "Linear";
    group.append(
      svg("text", { x: column.x, y: layout.labelY, class: "col-label" }, title),
      svg("text", { x: column.x, y: layout.labelY + 14, class: "col-sub" }, t("designer.units", { n: column.units })),
    );
    root.append(group);
  });
  return root;
}

function boxes(inputShape, layers, shapes, invalid, t) {
  const items = [
    { label: t("designer.input"), detail: formatShape(inputShape), kind: "input" },
    ...layers.map((layer, index) => ({
      label: layer.type,
      detail: shapes[index] ? formatShape(shapes[index]) : "?",
      kind: invalid.has(index) ? "invalid" : `cat-${layer.category}`,
    })),
  ];
  const layout = boxLayout(items);
  const root = svg("svg", {
    class: "diagram-svg",
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    width: layout.width,
    height: layout.height,
    role: "img",
    "aria-label": t("designer.diagram"),
  });
  root.append(
    svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "6", markerHeight: "6", orient: "auto" }, svg("path", { d: "M0,0 L10,5 L0,10 z" }))),
  );
  for (const arrow of layout.arrows) {
    root.append(svg("line", { class: "arrow", x1: arrow.x1 + 2, y1: arrow.y, x2: arrow.x2 - 2, y2: arrow.y, "marker-end": "url(#arrow)" }));
  }
  for (const box of layout.boxes) {
    root.append(
      svg(
        "g",
        { class: `box ${box.kind}` },
        svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 8 }),
        svg("text", { x: box.x + box.width / 2, y: box.y + 19, class: "box-label" }, box.label),
        svg("text", { x: box.x + box.width / 2, y: box.y + 35, class: "box-detail" }, box.detail),
      ),
    );
  }
  return root;
}
