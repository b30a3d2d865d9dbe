import assert from "node:assert/strict";
import { test } from "node:test";

import { boxLayout, mlpColumns, neuronLayout } from "../../frontend/js/lib/diagram-layout.js";

const mlp = [
  { type: "Linear", category: "linear" },
  { type: "Tanh", category: "activation" },
  { type: "Linear", category: "linear" },
];

test("small MLPs are drawn as neurons", () => {
  const columns = mlpColumns([2], mlp, { 0: [4], 1: [4], 2: [1] });
  assert.deepEqual(columns.map((column) => [column.units, column.activation]), [[2, null], [4, "Tanh"], [1, null]]);
  const layout = neuronLayout(columns, { width: 300, padX: 40 });
  assert.equal(layout.edges.length, 2 * 4 + 4 * 1);
  assert.equal(layout.columns[0].x, 40);
  assert.equal(layout.columns[2].x, 260);
  assert.ok(layout.columns.every((column) => column.nodes.every((node) => node.y > 0 && node.y < layout.height)));
});

test("anything else falls back to boxes", () => {
  assert.equal(mlpColumns([1, 28, 28], mlp, {}), null);
  assert.equal(mlpColumns([2], mlp, { 0: [64], 2: [1] }), null);
  assert.equal(mlpColumns([2], [{ type: "Conv1d", category: "conv" }], {}), null);
  assert.equal(mlpColumns([2], mlp, {}), null);
  const boxes = boxLayout([{ label: "a" }, { label: "b" }, { label: "c" }], { boxWidth: 10, gap: 5, pad: 1 });
  assert.equal(boxes.width, 2 + 30 + 10);
  assert.equal(boxes.arrows.length, 2);
  assert.deepEqual(boxes.arrows[0], { x1: 11, x2: 16, y: 1 + 23 });
});
