import assert from "node:assert/strict";
import { test } from "node:test";

import { pythonTokens } from "../../frontend/js/features/code-tab.js";
import { differingRows, settingsRow } from "../../frontend/js/features/compare.js";
import { divergingColor } from "../../frontend/js/features/internals.js";
import { downsample, normalise, predictInput, zeros } from "../../frontend/js/features/predict.js";

test("python source splits into kinds of token that cover it all", () => {
  const source = 'import torch  # a <b>\nx = "s" if 1 else None\n';
  const tokens = pythonTokens(source);
  assert.equal(tokens.map(([, text]) => text).join(""), source); // nothing lost, nothing added
  const kinds = Object.fromEntries(tokens.filter(([kind]) => kind).map(([kind, text]) => [text, kind]));
  assert.deepEqual(kinds, { import: "keyword", torch: "builtin", "# a <b>": "comment", '"s"': "string", if: "keyword", 1: "number", else: "keyword", None: "keyword" });
  assert.deepEqual(pythonTokens("x"), [[null, "x"]]);
});

test("a drawing becomes 28×28 values in [0, 1], then the dataset's normalisation", () => {
  const rgba = new Uint8ClampedArray(280 * 280 * 4);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) rgba[(y * 280 + x) * 4] = 255; // top-left block white
  const image = downsample(rgba);
  assert.equal(image.length, 28);
  assert.equal(image[0].length, 28);
  assert.equal(image[0][0], 1);
  assert.equal(image[0][1], 0);
  assert.equal(normalise(image, { mean: 0.5, std: 0.5 })[0][0], 1);
  assert.equal(normalise(image, null), image);
});

test("compare highlights only the settings that differ", () => {
  const job = (lr, seed) => ({ id: "a", status: "completed", request: { dataset: { name: "spiral" }, model: { layers: [{ type: "Linear", out_features: 2 }] }, optimizer: { type: "Adam", lr }, epochs: 2, seed } });
  const rows = [settingsRow(job(0.1, 0), [{ epoch: 2, train_loss: 0.5 }]), settingsRow(job(0.01, 0), [{ epoch: 2, train_loss: 0.25 }])];
  assert.deepEqual([...differingRows(rows)].sort(), ["optimizer", "train_loss"]);
  assert.equal(rows[0].model, "Linear2");
});

test("diverging colours: white at zero, full colour at the extremes", () => {
  assert.deepEqual(divergingColor(0), [255, 255, 255]);
  assert.deepEqual(divergingColor(1), [28, 126, 214]);
  assert.deepEqual(divergingColor(-2, 2), [240, 140, 0]);
});

test("predict takes its input from the job record: what planning found, not the dataset's defaults", () => {
  // mlp-32-64-32-1: random-regression with 32 features (the catalogue's default is 2).
  const mlp = { input_shape: [32], request: { task: "regression", dataset: { name: "random-regression", params: { features: 32 } } } };
  assert.deepEqual(predictInput(mlp), { kind: "json", shape: [32] });
  assert.deepEqual(predictInput({ input_shape: [2], request: { task: "classification" } }), { kind: "plane", shape: [2] });
  assert.deepEqual(predictInput({ input_shape: [1, 28, 28], request: { task: "classification" } }), { kind: "draw", shape: [1, 28, 28] });
  assert.deepEqual(predictInput({ input_shape: [20, 1], request: { task: "regression" } }), { kind: "json", shape: [20, 1] });
  assert.deepEqual(predictInput({ input_shape: [2], request: { task: "gan", model: { latent_dim: 8 } } }), { kind: "latent", shape: [8] });
  assert.deepEqual(zeros([2, 3]), [[0, 0, 0], [0, 0, 0]]);
  assert.equal(zeros([32]).length, 32);
});

test("a drawing is normalised the way the dataset says it is", async () => {
  const { normalizationOf } = await import("../../frontend/js/ui/job-tabs.js");
  assert.deepEqual(normalizationOf({ normalization: { mean: 0.1307, std: 0.3081 } }), { mean: 0.1307, std: 0.3081 });
  assert.equal(normalizationOf({ normalization: null, description: "normalised with mean 0.5 and std 0.5" }), null);
  assert.equal(normalizationOf(undefined), null);
});
