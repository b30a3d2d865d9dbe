import assert from "node:assert/strict";
import { test } from "node:test";

import { createJobFields } from "../../frontend/js/lib/job-fields.js";
import { createReconciler } from "../../frontend/js/lib/reconcile.js";
import { createIdFactory, designFromRequest } from "../../frontend/js/lib/spec.js";
import { CATALOG, JOB_SCHEMA } from "./fixtures/catalog.mjs";

const reconcile = createReconciler({ ...CATALOG, fields: createJobFields(JOB_SCHEMA) });
const design = (request) => reconcile(designFromRequest(request, createIdFactory()));

test("what the server has is kept", () => {
  const settings = {
    task: "classification",
    loss: "CrossEntropyLoss",
    optimizer: { type: "SGD", lr: 0.5, momentum: 0.9 },
    scheduler: { type: "StepLR", step_size: 5 },
    device: "cpu",
    grad_clip: 2,
    amp: "bf16",
    early_stopping: 4,
    checkpoint_every: 6,
  };
  const dataset = { name: "spiral", params: { samples: 50, noise: 0.2 }, test_fraction: 0.1, seed: 3 };
  const d = design({ dataset, model: { layers: [] }, ...settings });
  assert.deepEqual(d.dataset, dataset);
  assert.deepEqual(d.training, settings);
});

test("what the server would refuse is left to its defaults", () => {
  const d = design({
    dataset: { name: "nope", params: { samples: 50 }, test_fraction: 3, seed: -1 },
    model: { layers: [] },
    task: "gan",
    loss: "Nonsense",
    optimizer: { type: "Lion", lr: 0.3 },
    scheduler: { type: "StepLR", step_size: 0, gamma: 0.5, warp: 9 },
    device: "cuda:7",
    epochs: -3,
    grad_clip: 0,
    amp: "fp8",
    compile: "yes",
    no_such_field: 1,
  });
  assert.equal(d.dataset.name, "spiral");
  assert.equal("test_fraction" in d.dataset || "seed" in d.dataset, false);
  assert.equal(d.training.task, "classification");
  assert.equal(d.training.loss, "CrossEntropyLoss");
  // Within a union, only the members this kind has and takes are kept.
  assert.deepEqual(d.training.scheduler, { type: "StepLR", gamma: 0.5 });
  assert.deepEqual(Object.keys(d.training).sort(), ["loss", "scheduler", "task"]);
});

test("parameters the dataset does not take are dropped; a missing task comes from the dataset", () => {
  const d = design({ dataset: { name: "sine", params: { samples: 20, noise: 0.1 } }, model: { layers: [] } });
  assert.deepEqual(d.dataset.params, { samples: 20 });
  assert.equal(d.training.task, "regression");
  assert.equal(d.training.loss, "MSELoss");
});

test("a GAN keeps its settings; ones it does not have are dropped", () => {
  const d = design({
    dataset: { name: "ring", params: {} },
    model: { generator: { layers: [{ type: "Linear" }] }, discriminator: { layers: [] }, latent_dim: 4, depth: 3 },
  });
  assert.equal(d.training.task, "gan");
  assert.deepEqual(d.gan, { latent_dim: 4 });
  assert.equal(design({ dataset: { name: "ring" }, model: { generator: {}, latent_dim: 0 } }).gan.latent_dim, undefined);
});
