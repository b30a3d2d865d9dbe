import assert from "node:assert/strict";
import { test } from "node:test";

import { describeDetail, fieldPath, mapValidationErrors, mapValidationResult, warningText, warningsByField } from "../../frontend/js/lib/validation.js";

test("errors are attached to the layer they name", () => {
  const mapped = mapValidationErrors([
    { loc: ["model", "layers", 3, "in_features"], msg: "expected 16, got 8", type: "shape" },
    { loc: ["body", "model", "layers", 0, "Linear", "out_features"], msg: "must be ≥ 1", type: "value" },
    { loc: ["model", "layers", 2, "layers", 1, "in_features"], msg: "inner", type: "shape" },
    { loc: ["body", "epochs"], msg: "too many", type: "limit" },
    { loc: ["dataset", "params", "noise"], msg: "bad noise", type: "value" },
  ], { layers: ["Linear", "Tanh", "Residual", "Linear"] });
  assert.deepEqual(mapped.nets.layers, {
    0: [{ field: "out_features", msg: "must be ≥ 1" }],
    2: [{ field: "layers[1].in_features", msg: "inner" }],
    3: [{ field: "in_features", msg: "expected 16, got 8" }],
  });
  assert.deepEqual(mapped.general, [
    { where: "epochs", msg: "too many" },
    { where: "dataset.params.noise", msg: "bad noise" },
  ]);
});

test("string and object details are general errors", () => {
  assert.deepEqual(mapValidationErrors("unknown dataset"), { nets: {}, general: [{ where: "", msg: "unknown dataset" }] });
  assert.deepEqual(mapValidationErrors({ msg: "x", loc: ["model", "layers", 1] }).nets, { layers: { 1: [{ field: "", msg: "x" }] } });
  assert.deepEqual(mapValidationErrors(null), { nets: {}, general: [] });
});

test("a GAN's errors go to the net they name", () => {
  const mapped = mapValidationErrors(
    [
      { loc: ["model", "generator", "layers", 0, "out_features"], msg: "must be ≥ 1" },
      { loc: ["body", "model", "discriminator", "layers", 1, "LeakyReLU", "negative_slope"], msg: "bad slope" },
      { loc: ["model", "latent_dim"], msg: "too big" },
    ],
    { generator: ["Linear"], discriminator: ["Linear", "LeakyReLU"] },
  );
  assert.deepEqual(mapped.nets, {
    generator: { 0: [{ field: "out_features", msg: "must be ≥ 1" }] },
    discriminator: { 1: [{ field: "negative_slope", msg: "bad slope" }] },
  });
  assert.deepEqual(mapped.general, [{ where: "model.latent_dim", msg: "too big" }]);
});

test("a detail reads as one line", () => {
  assert.equal(
    describeDetail([{ loc: ["body", "model", "layers", 3, "in_features"], msg: "expected 16, got 8" }, { loc: [], msg: "also" }]),
    "model.layers[3].in_features: expected 16, got 8; also",
  );
  assert.equal(describeDetail("plain"), "plain");
  assert.equal(fieldPath(["a", 0, "b"]), "a[0].b");
});

test("a valid answer maps shapes and counts by index", () => {
  const mapped = mapValidationResult({
    input_shape: [2],
    output_shape: [2],
    layers: [
      { index: 0, type: "Linear", output_shape: [16], params: 48, formula: "2 × 16 + 16" },
      { index: 1, type: "Tanh", output_shape: [16], params: 0, formula: null },
    ],
    module_text: "Sequential(...)",
    total_params: 48,
  });
  assert.deepEqual(mapped, {
    nets: { layers: { inputShape: [2], outputShape: [2], layers: { 0: { outputShape: [16], params: 48, formula: "2 × 16 + 16" }, 1: { outputShape: [16], params: 0, formula: null } }, moduleText: "Sequential(...)" } },
    totalParams: 48,
    memoryMb: null,
    warnings: [],
  });
  assert.equal(mapValidationResult({ layers: [], total_params: 1, memory_mb: 330.5 }).memoryMb, 330.5);
});

test("a GAN's answer maps each net", () => {
  const net = (input, output, params) => ({ input_shape: input, output_shape: output, layers: [{ index: 0, type: "Linear", output_shape: output, params }], total_params: params });
  const mapped = mapValidationResult({ generator: net([8], [2], 18), discriminator: net([2], [1], 3), total_params: 21 });
  assert.deepEqual(Object.keys(mapped.nets), ["generator", "discriminator"]);
  assert.deepEqual(mapped.nets.generator.inputShape, [8]);
  assert.deepEqual(mapped.nets.discriminator.layers, { 0: { outputShape: [1], params: 3, formula: null } });
  assert.equal(mapped.totalParams, 21);
});

test("the plan's warnings go beside the fields they name", () => {
  const { warnings } = mapValidationResult({
    layers: [],
    total_params: 1,
    warnings: [
      { loc: ["loss"], msg: "MSELoss on 0/1 targets runs" },
      { loc: ["loss_params", "reduction"], msg: "sum grows with the batch" },
      { loc: ["shuffle"], msg: "the data's own order" },
      { loc: ["model", "layers", 2, "out_features"], msg: "5 scores, 2 classes" },
    ],
  });
  assert.deepEqual(warningsByField(warnings), {
    settings: { loss: "MSELoss on 0/1 targets runs", loss_params: "sum grows with the batch", shuffle: "the data's own order" },
    nets: { layers: { 2: [{ field: "out_features", msg: "5 scores, 2 classes" }] } },
  });
  assert.deepEqual(warningsByField(undefined), { settings: {}, nets: {} });
});

test("a warning reads in the page's language, English where the server sent no 简体中文", () => {
  const { warnings } = mapValidationResult({
    layers: [],
    total_params: 1,
    warnings: [
      { loc: ["loss"], msg: "MSELoss on 0/1 targets runs", msg_zh: "MSELoss 用在 0/1 目标上可以运行" },
      { loc: ["shuffle"], msg: "the data's own order" },
    ],
  });
  assert.deepEqual(warningsByField(warnings, "zh").settings, { loss: "MSELoss 用在 0/1 目标上可以运行", shuffle: "the data's own order" });
  assert.deepEqual(warningsByField(warnings, "en").settings, { loss: "MSELoss on 0/1 targets runs", shuffle: "the data's own order" });
  assert.equal(warningText({ msg: "x", msg_zh: "叉" }, "zh"), "叉");
  assert.equal(warningText({ msg: "x", msg_zh: "叉" }, "en"), "x");
});
