import assert from "node:assert/strict";
import { test } from "node:test";

import { createTranslator } from "../../frontend/js/lib/i18n.js";
import { BUILT_IN_PRESETS, choosePresets, findPreset, presetText } from "../../frontend/js/lib/presets.js";
import { buildJobRequest, createIdFactory, designFromRequest } from "../../frontend/js/lib/spec.js";

test("the built-in examples are whole job requests that survive the forms", () => {
  assert.deepEqual(BUILT_IN_PRESETS.map((preset) => preset.id), ["regression-221", "step-sigmoid", "spiral-mlp"]);
  for (const preset of BUILT_IN_PRESETS) {
    const request = buildJobRequest(designFromRequest(preset.request, createIdFactory()));
    for (const key of ["dataset", "model", "task", "loss", "optimizer", "epochs", "batch_size", "device", "seed", "snapshot_every"]) {
      assert.deepEqual(request[key], preset.request[key], `${preset.id}.${key}`);
    }
  }
});

test("the built-in examples match the tutorials", () => {
  const regression = findPreset("regression-221").request;
  assert.equal(regression.dataset.name, "random-regression");
  assert.deepEqual(regression.model.layers.filter((l) => l.type === "Linear").map((l) => l.out_features), [2, 1]);
  assert.equal(regression.loss, "MSELoss");
  assert.deepEqual(regression.optimizer, { type: "SGD", lr: 0.01 });

  const step = findPreset("step-sigmoid").request;
  assert.deepEqual(step.model.layers.map((layer) => layer.type), ["Linear", "Sigmoid", "Linear", "Sigmoid"]);
  assert.equal(step.loss, "BCELoss");
  assert.equal(step.batch_size, 1);

  assert.equal(findPreset("spiral-mlp").request.dataset.name, "spiral");
  assert.equal(findPreset("nope"), null);
});

test("server presets replace the built-ins when they are usable", () => {
  const server = [{ id: "a", title: { en: "A", zh: "甲" }, note: { en: "n", zh: "注" }, request: { dataset: { name: "x" }, model: { layers: [] } } }];
  assert.deepEqual(choosePresets(server).map((p) => p.id), ["a"]);
  assert.equal(choosePresets(null), BUILT_IN_PRESETS);
  assert.equal(choosePresets([{ id: "broken" }]), BUILT_IN_PRESETS);

  const zh = createTranslator({ en: { "preset.x": "X", "preset.x.help": "help" }, zh: {} }, "zh");
  assert.deepEqual(presetText(server[0], zh), { title: "甲", note: "注" });
  assert.deepEqual(presetText({ id: "x" }, zh), { title: "X", note: "help" });
});
