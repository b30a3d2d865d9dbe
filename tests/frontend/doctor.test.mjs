// The training doctor's events on the page: histogram sets → a heat strip's matrix, findings
// grouped by layer, rewinds as loss-chart marks.

import assert from "node:assert/strict";
import { test } from "node:test";

import { addFindings, evidenceRows, findingsByLayer, historyMarks, layerNamesOf, wordsIn } from "../../frontend/js/lib/findings.js";
import { addHistogramSets, columnEdges, heatmapMatrix, histogramChoices } from "../../frontend/js/lib/histograms.js";

const hist = (lo, hi, counts, nonfinite = 0) => ({ lo, hi, counts, nonfinite });
const set = (epoch, layers) => ({ type: "histograms", epoch, layers });
const columnSums = (z) => z[0].map((_, col) => z.reduce((sum, row) => sum + row[col], 0));

test("histogram sets are kept by epoch, in order, the newest of a repeated epoch winning", () => {
  const a = set(2, [{ layer: 0, activation: hist(0, 1, [1, 1]) }]);
  const b = set(1, [{ layer: 0, activation: hist(0, 1, [2, 0]) }]);
  const again = set(2, [{ layer: 0, activation: hist(0, 1, [0, 2]) }]);
  let sets = addHistogramSets([], [{ type: "epoch", epoch: 1 }, a, b]);
  assert.deepEqual(sets.map((s) => s.epoch), [1, 2]);
  sets = addHistogramSets(sets, [again]);
  assert.deepEqual(sets[1].layers[0].activation.counts, [0, 2]);
  assert.equal(addHistogramSets(sets, [{ type: "epoch", epoch: 3 }]), sets); // nothing new: the same array
});

test("uneven epochs get columns reaching halfway to their neighbours", () => {
  assert.deepEqual(columnEdges([1, 3, 9]), [0.5, 2, 6, 9.5]);
  assert.deepEqual(columnEdges([4]), [3.5, 4.5]);
  assert.deepEqual(columnEdges([]), []);
});

test("the choices are the layers with histograms and the kinds each has", () => {
  const sets = addHistogramSets([], [
    set(1, [
      { layer: 0, activation: hist(0, 1, [1]), weight: hist(-1, 1, [1]), grad: hist(-1, 1, [1]) },
      { layer: 1, activation: hist(0, 1, [1]) },
    ]),
  ]);
  assert.deepEqual(histogramChoices(sets), [
    { layer: 0, kinds: ["weight", "grad", "activation"] },
    { layer: 1, kinds: ["activation"] },
  ]);
});

test("each epoch's own bins land on the shared value axis, as shares of its values", () => {
  // Epoch 1: everything in [0, 1]; epoch 2: spread over [0, 4], one quarter per unit.
  const sets = addHistogramSets([], [
    set(1, [{ layer: 0, weight: hist(0, 1, [5, 5]), activation: hist(0, 1, [1]) }]),
    set(2, [{ layer: 0, weight: hist(0, 4, [1, 1, 1, 1]), activation: hist(0, 1, [1]) }]),
  ]);
  const m = heatmapMatrix(sets, 0, "weight", 4);
  assert.deepEqual(m.x, [1, 2]);
  assert.equal(m.lo, 0);
  assert.equal(m.hi, 4);
  assert.deepEqual(m.y, [0.5, 1.5, 2.5, 3.5]);
  const sums = columnSums(m.z);
  for (const sum of sums) assert.ok(Math.abs(sum - 1) < 1e-9, `a column sums to ${sum}`);
  assert.deepEqual(m.z.map((row) => row[0]), [1, 0, 0, 0]); // epoch 1 all in the first row
  assert.deepEqual(m.z.map((row) => row[1]), [0.25, 0.25, 0.25, 0.25]);
});

test("a bin split across rows is shared by overlap", () => {
  const m = heatmapMatrix([{ epoch: 1, layers: [{ layer: 0, weight: hist(0, 2, [4]) }] }, { epoch: 2, layers: [{ layer: 0, weight: hist(0, 4, [0, 0, 0, 4]) }] }], 0, "weight", 8);
  // Epoch 1's one bin [0, 2] covers rows [0, .5) … [1.5, 2): four rows, a quarter each.
  assert.deepEqual(m.z.map((row) => row[0]), [0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0]);
  assert.deepEqual(m.z.map((row) => row[1]), [0, 0, 0, 0, 0, 0, 0.5, 0.5]);
});

test("a single value everywhere (a dead layer's zeros) is one narrow band; NaNs are counted apart", () => {
  const sets = [1, 2, 3].map((epoch) => ({ epoch, layers: [{ layer: 1, activation: hist(0, 0, [0, 0, 12, 0], epoch === 3 ? 7 : 0) }] }));
  const m = heatmapMatrix(sets, 1, "activation", 5);
  assert.ok(m.lo < 0 && m.hi > 0);
  const half = (m.hi - m.lo) / 5 / 2;
  const row = m.y.findIndex((centre) => centre - half <= 0 && 0 < centre + half); // the row holding 0
  assert.deepEqual(m.z[row], [1, 1, 1]);
  assert.equal(m.z.flat().reduce((a, b) => a + b), 3);
  assert.deepEqual(m.nonfinite, [0, 0, 7]);
  assert.equal(heatmapMatrix(sets, 1, "weight"), null); // no such histogram: nothing to draw
  assert.equal(heatmapMatrix(sets, 5, "activation"), null);
});

test("an epoch with only non-finite values draws an empty column, not NaN", () => {
  const sets = [
    { epoch: 1, layers: [{ layer: 0, grad: hist(-1, 1, [2, 2]) }] },
    { epoch: 2, layers: [{ layer: 0, grad: hist(0, 0, [0, 0], 4) }] },
  ];
  const m = heatmapMatrix(sets, 0, "grad", 4);
  assert.deepEqual(m.z.map((row) => row[1]), [0, 0, 0, 0]);
  assert.ok(m.z.flat().every(Number.isFinite));
  assert.equal(m.lo, -1);
});

const finding = (kind, layer, epoch = 2) => ({
  type: "finding",
  seq: 10,
  kind,
  layer,
  epoch,
  evidence: { dead_fraction: 1.0, grad_ratio: 0.000012345, steps: 40, nonfinite: false, loss: "nan" },
  explanation: { en: `${kind} in English`, zh: `${kind} 中文` },
  suggestion: { en: "Use LeakyReLU", zh: "改用 LeakyReLU" },
});

test("findings accumulate once each and group by the layer they name", () => {
  const dead = finding("dead_relu", 1);
  const stalled = finding("stalled", null, 5);
  let findings = addFindings([], [{ type: "epoch", epoch: 1 }, dead]);
  findings = addFindings(findings, [dead, stalled, finding("saturation", 1, 3)]); // a replayed one is kept once
  assert.deepEqual(findings.map((f) => f.kind), ["dead_relu", "stalled", "saturation"]);
  const groups = findingsByLayer(findings);
  assert.deepEqual([...groups.keys()], [1, null]);
  assert.deepEqual(groups.get(1).map((f) => f.kind), ["dead_relu", "saturation"]);
  assert.equal(addFindings(findings, [{ type: "epoch" }]), findings);
});

test("a finding reads in the page's language, English when the server lacks it", () => {
  const one = finding("dead_relu", 1);
  assert.equal(wordsIn(one.explanation, "zh"), "dead_relu 中文");
  assert.equal(wordsIn(one.suggestion, "en"), "Use LeakyReLU");
  assert.equal(wordsIn({ en: "only English" }, "zh"), "only English");
  assert.equal(wordsIn(null, "en"), "");
  assert.deepEqual(evidenceRows(one.evidence), [
    ["dead_fraction", "1"],
    ["grad_ratio", "1.23e-5"],
    ["steps", "40"],
    ["nonfinite", "false"],
    ["loss", "nan"],
  ]);
});

test("a rewind and the lr change it brings are one mark; a live change is its own", () => {
  const events = [
    { type: "epoch", epoch: 3 },
    { type: "status", status: "running", rewound_to: 2, note: "diverged at epoch 3" },
    { type: "changed", values: { lr: 1 } },
    { type: "epoch", epoch: 4 },
    { type: "epoch", epoch: 5 },
    { type: "changed", values: { lr: 0.5 } },
    { type: "status", status: "paused" },
  ];
  assert.deepEqual(historyMarks(events, 2), [
    { epoch: 3.5, rewoundTo: 2, values: { lr: 1 } },
    { epoch: 5.5, values: { lr: 0.5 } },
  ]);
  // A NaN epoch sends no epoch event: the rewind is marked after the last good one.
  assert.deepEqual(historyMarks([{ type: "status", status: "running", rewound_to: 0 }, { type: "changed", values: { lr: 0.1 } }], 0), [
    { epoch: 0.5, rewoundTo: 0, values: { lr: 0.1 } },
  ]);
});

test("layers are named by their top-level index; a GAN has none", () => {
  assert.deepEqual(layerNamesOf({ model: { layers: [{ type: "Linear" }, { type: "ReLU" }] } }), ["Linear", "ReLU"]);
  assert.deepEqual(layerNamesOf({ model: { generator: { layers: [] } } }), []);
  assert.deepEqual(layerNamesOf(null), []);
});
