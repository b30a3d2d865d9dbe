import assert from "node:assert/strict";
import { test } from "node:test";

import { createReconciler } from "../../frontend/js/lib/reconcile.js";
import { createIdFactory, designFromRequest } from "../../frontend/js/lib/spec.js";

const catalog = {
  datasets: [
    { name: "spiral", task: "classification", params: { properties: { samples: { type: "integer" }, noise: { type: "number" } } } },
    { name: "sine", task: "regression", params: { properties: { samples: { type: "integer" } } } },
  ],
  system: {
    devices: ["cpu"],
    training: {
      tasks: ["regression", "classification"],
      losses: ["MSELoss", "CrossEntropyLoss"],
      default_loss: { regression: "MSELoss", classification: "CrossEntropyLoss" },
      optimizers: [{ type: "SGD" }, { type: "Adam" }],
      schedulers: [{ type: "StepLR" }],
    },
  },
};
const reconcile = createReconciler(catalog);
const design = (request) => reconcile(designFromRequest(request, createIdFactory()));

test("what the server has is kept", () => {
  const d = design({
    dataset: { name: "spiral", params: { samples: 50, noise: 0.2 } },
    model: { layers: [] },
    task: "classification",
    loss: "CrossEntropyLoss",
    optimizer: { type: "SGD", lr: 0.5, momentum: 0.9 },
    scheduler: { type: "StepLR", step_size: 5 },
    device: "cpu",
  });
  assert.deepEqual(d.dataset.params, { samples: 50, noise: 0.2 });
  assert.equal(d.training.task, "classification");
  assert.deepEqual(d.training.optimizer, { type: "SGD", lr: 0.5, momentum: 0.9 });
  assert.deepEqual(d.training.scheduler, { type: "StepLR", step_size: 5 });
  assert.equal(d.training.device, "cpu");
});

test("unknown names fall back to the server's defaults", () => {
  const d = design({
    dataset: { name: "nope", params: { samples: 50 } },
    model: { layers: [] },
    task: "gan",
    loss: "Nonsense",
    optimizer: { type: "Lion", lr: 0.3 },
    scheduler: { type: "Warp" },
    device: "cuda:7",
  });
  assert.equal(d.dataset.name, "spiral");
  assert.equal(d.training.task, "classification");
  assert.equal(d.training.loss, "CrossEntropyLoss");
  assert.deepEqual(d.training.optimizer, { type: "Adam", lr: 0.3 });
  assert.equal(d.training.scheduler, null);
  assert.equal(d.training.device, "auto");
});

test("parameters the dataset does not take are dropped; a missing task comes from the dataset", () => {
  const d = design({ dataset: { name: "sine", params: { samples: 20, noise: 0.1 } }, model: { layers: [] } });
  assert.deepEqual(d.dataset.params, { samples: 20 });
  assert.equal(d.training.task, "regression");
  assert.equal(d.training.loss, "MSELoss");
});
