// The autograd view's pure parts: the editor ↔ request, error placement, the layout of
// the graph, backward() as steps, and number formatting.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import en from "../../frontend/js/i18n/en.js";
import { fitTensor, formatNumber, formatTensor, mathLabel } from "../../frontend/js/features/autograd/format.js";
import { backwardSteps, edgeGeometry, edgeKey, layoutGraph, stepState } from "../../frontend/js/features/autograd/graph.js";
import { editorFromRequest, fieldErrors, requestFromEditor } from "../../frontend/js/features/autograd/request.js";

// The server's answer for the tutorial (x = [1, 2, 3]; y = x + 2; z = y * y * 3; out = z.mean()).
const node = (id, kind, name, label, inputs, extra = {}) => ({
  id, kind, name, label, inputs, input_grads: inputs.map(() => null), grad_rules: inputs.map(() => "g"), grad: null,
  requires_grad: kind !== "constant", value: 0, shape: [3], grad_fn: null, ...extra,
});
const TUTORIAL = {
  nodes: [
    node(0, "input", "x", "x", [], { grad: [6, 8, 10], value: [1, 2, 3] }),
    node(1, "constant", null, "2", []),
    node(2, "op", "y", "x + 2", [0, 1], { grad: [6, 8, 10], input_grads: [[6, 8, 10], null], grad_fn: "AddBackward0" }),
    node(3, "op", null, "y * y", [2, 2], { grad: [1, 1, 1], input_grads: [[3, 4, 5], [3, 4, 5]], grad_rules: ["g · y", "g · y"] }),
    node(4, "constant", null, "3", []),
    node(5, "op", "z", "y * y * 3", [3, 4], { grad: [1 / 3, 1 / 3, 1 / 3], input_grads: [[1, 1, 1], null] }),
    node(6, "op", "out", "z.mean()", [5], { grad: 1, input_grads: [[1 / 3, 1 / 3, 1 / 3]], grad_rules: ["g / 3"], shape: [] }),
  ],
  grads: { x: [6, 8, 10] },
  output: 6,
  order: [6, 5, 3, 2, 0],
};

test("an example becomes editable text and comes back as the same request", () => {
  const request = { inputs: { x: { value: [1, 2, 3], requires_grad: true }, c: { value: 2.5, requires_grad: false } }, code: ["y = x * c"], backward: "y" };
  const editor = editorFromRequest(request);
  assert.deepEqual(editor.inputs[0], { name: "x", value: "[1, 2, 3]", requiresGrad: true });
  assert.deepEqual(requestFromEditor(editor).body, request);
  editor.backward = "  ";
  assert.equal(requestFromEditor(editor).body.backward, null); // forward only
});

test("values that do not parse are named before anything is sent", () => {
  const editor = editorFromRequest({ inputs: { x: { value: 1 } }, code: [] });
  editor.inputs[0].value = "[1, 2";
  editor.inputs.push({ name: "x", value: "3", requiresGrad: false }, { name: " ", value: "1", requiresGrad: false });
  const { errors, body } = requestFromEditor(editor);
  assert.equal(body, undefined);
  assert.deepEqual(errors.map((e) => [e.field, e.key]), [
    ["input:0", "autograd.error.value"],
    ["input:2", "autograd.error.noName"],
  ]);
  for (const error of errors) assert.ok(error.key in en, error.key);
  editor.inputs[0].value = "1";
  assert.equal(requestFromEditor(editor).errors[0].key, "autograd.error.duplicate");
});

test("a 422 lands on the line, the input or backward it names", () => {
  const editor = editorFromRequest({ inputs: { x: { value: 1 }, w: { value: 2 } }, code: ["a = x", "b = q"] });
  const { fields, general } = fieldErrors(
    [
      { loc: ["code", 1], msg: "column 5: 'q' is not defined" },
      { loc: ["inputs", "w", "value", 0], msg: "must be a number" },
      { loc: ["backward"], msg: "b has shape [3]" },
      { loc: ["code"], msg: "41 lines; the limit is 40" },
    ],
    editor,
  );
  assert.deepEqual(fields, { "code:1": "column 5: 'q' is not defined", "input:1": "must be a number", backward: "b has shape [3]" });
  assert.deepEqual(general, ["41 lines; the limit is 40"]);
  assert.deepEqual(fieldErrors("plain text", editor).general, ["plain text"]);
});

test("the graph flows left to right: every edge goes to a later column, leaves sit by their consumer", () => {
  const layout = layoutGraph(TUTORIAL.nodes, { fitWidth: 1200 });
  for (const edge of layout.edges) assert.ok(layout.positions.get(edge.from).column < layout.positions.get(edge.to).column, edgeKey(edge));
  const col = (id) => layout.positions.get(id).column;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(col), [0, 0, 1, 2, 2, 3, 4]);
  assert.equal(layout.width, 1200); // spread to the width offered
  const ys = TUTORIAL.nodes.map((n) => layout.positions.get(n.id));
  for (const a of ys) for (const b of ys) if (a !== b && a.column === b.column) assert.ok(Math.abs(a.y - b.y) >= 100);
  assert.ok(ys.every((p) => p.y >= 0 && p.y + layout.nodeHeight <= layout.height));
  // y is used twice by y * y: two edges, bent apart.
  const twice = layout.edges.filter((edge) => edge.from === 2 && edge.to === 3);
  assert.deepEqual(twice.map((edge) => edge.bend), [-1, 1]);
  const [upper, lower] = twice.map((edge) => edgeGeometry(layout, edge).mid[1]);
  assert.ok(upper < lower);
});

test("a graph wider than the page keeps a minimum column width", () => {
  const chain = Array.from({ length: 12 }, (_, i) => node(i, i ? "op" : "input", `n${i}`, `n${i}`, i ? [i - 1] : []));
  const layout = layoutGraph(chain, { fitWidth: 800, minColumn: 180 });
  assert.equal(layout.columnWidth, 180);
  assert.ok(layout.width > 800);
});

test("backward() as steps: the output's seed, the sums at each node, what each sends back", () => {
  const steps = backwardSteps(TUTORIAL);
  assert.deepEqual(steps.map((s) => s.node), [6, 5, 3, 2, 0]);
  assert.equal(steps[0].isOutput, true);
  assert.deepEqual(steps[0].incoming, []);
  const y = steps[3];
  assert.deepEqual(y.incoming.map((e) => [e.from, e.index, e.grad, e.rule]), [
    [3, 0, [3, 4, 5], "g · y"],
    [3, 1, [3, 4, 5], "g · y"],
  ]);
  assert.deepEqual(y.outgoing.map((e) => [e.to, e.grad]), [[0, [6, 8, 10]]]); // the constant edge carries nothing
  assert.equal(steps[4].isLeaf, true);
  // Sums: what arrives at a node adds up to its gradient.
  for (const step of steps.slice(1)) {
    const total = step.incoming.reduce((sum, e) => sum.map((v, i) => v + (Array.isArray(e.grad) ? e.grad[i] : e.grad)), [0, 0, 0]);
    assert.deepEqual(total.map((v) => Math.round(v * 1e6) / 1e6), [].concat(step.grad).map((v) => Math.round(v * 1e6) / 1e6));
  }
});

test("stepping shows the gradients of the nodes handled so far and the edges they sent", () => {
  const steps = backwardSteps(TUTORIAL);
  assert.deepEqual(stepState(steps, 0), { current: null, known: new Set(), sent: new Set() });
  const two = stepState(steps, 2);
  assert.equal(two.current, 5);
  assert.deepEqual([...two.known], [6, 5]);
  assert.deepEqual([...two.sent], ["5>6#0", "3>5#0"]);
  assert.equal(stepState(steps, steps.length).sent.size, 5);
});

test("numbers: four significant digits, non-finite values named, long tensors cut to fit", () => {
  assert.equal(formatNumber(1 / 3), "0.3333");
  assert.equal(formatNumber(123456), "1.23e5");
  assert.equal(formatNumber("-inf"), "−∞");
  assert.equal(formatTensor([1, 2, 3, 4, 5, 6], { maxItems: 4 }), "[1, 2, 3, …]");
  assert.equal(formatTensor([[1, 2], [3, 4]]), "[[1, 2], [3, 4]]");
  assert.equal(formatTensor(null), "–");
  assert.equal(fitTensor([1 / 3, 1 / 3, 1 / 3], 30), "[0.3333, 0.3333, 0.3333]");
  assert.ok(fitTensor([1 / 3, 1 / 3, 1 / 3], 14).length <= 14);
  assert.equal(mathLabel("y * y"), "(y * y)");
  assert.equal(mathLabel("z.mean()"), "z.mean()");
  assert.equal(mathLabel("-2"), "-2");
});

test("every string key the autograd view and the view switch use is in the table", () => {
  const files = ["features/autograd/view.js", "features/autograd/request.js", "ui/view-switch.js", "app.js"];
  const used = new Set();
  for (const file of files) {
    const source = readFileSync(new URL(`../../frontend/js/${file}`, import.meta.url), "utf8");
    for (const match of source.matchAll(/"((?:autograd|view)\.[a-zA-Z.]+)"/g)) used.add(match[1]);
  }
  assert.ok(used.size > 40);
  assert.deepEqual([...used].filter((key) => !(key in en)), []);
});

test("the view never writes HTML: user text goes through textContent", () => {
  for (const file of ["features/autograd/view.js", "ui/view-switch.js"]) {
    const source = readFileSync(new URL(`../../frontend/js/${file}`, import.meta.url), "utf8");
    assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|eval\(|new Function/);
  }
});
