import assert from "node:assert/strict";
import { test } from "node:test";

import {
  buildJobRequest,
  createIdFactory,
  defaultJobName,
  designFromRequest,
  designToPlain,
  duplicateLayer,
  emptyDesign,
  insertLayer,
  layerFromSpec,
  modelKind,
  modelSpec,
  moveLayer,
  netsOf,
  removeLayer,
  setLayerParam,
  validationBody,
} from "../../frontend/js/lib/spec.js";

function spiralDesign() {
  const makeId = createIdFactory();
  const design = emptyDesign("spiral");
  design.dataset.params = { samples: 200, noise: 0.1, unused: undefined };
  design.nets.layers = [
    { type: "Linear", out_features: 16 },
    { type: "Tanh" },
    { type: "Linear", out_features: 2, in_features: "" },
  ].map((spec) => layerFromSpec(spec, makeId));
  return { design, makeId };
}

const GAN_RING = {
  name: "gan-ring",
  dataset: { name: "ring", params: { samples: 1000 }, test_fraction: 0.2, seed: null },
  model: {
    generator: { layers: [{ type: "Linear", out_features: 32 }, { type: "ReLU" }, { type: "Linear", out_features: 2 }] },
    discriminator: { layers: [{ type: "Linear", out_features: 32 }, { type: "LeakyReLU", negative_slope: 0.2 }, { type: "Linear", out_features: 1 }] },
    latent_dim: 8,
  },
  task: "gan",
  loss: "BCEWithLogitsLoss",
  optimizer: { type: "Adam", lr: 0.001, betas: [0.5, 0.999] },
  epochs: 200,
  batch_size: 64,
};

test("model spec drops unset parameters and keeps torch keyword names", () => {
  const { design } = spiralDesign();
  assert.deepEqual(modelSpec(design), {
    layers: [{ type: "Linear", out_features: 16 }, { type: "Tanh" }, { type: "Linear", out_features: 2 }],
  });
});

test("the job request is the design's settings, its dataset and its model", () => {
  const { design } = spiralDesign();
  design.training = { task: "classification", loss: "CrossEntropyLoss", batch_size: null, optimizer: { type: "Adam", lr: 0.01 }, seed: undefined, name: "" };
  assert.deepEqual(buildJobRequest(design), {
    name: "spiral 16-2",
    dataset: { name: "spiral", params: { samples: 200, noise: 0.1 } },
    model: modelSpec(design),
    task: "classification",
    loss: "CrossEntropyLoss",
    optimizer: { type: "Adam", lr: 0.01 },
    batch_size: null, // null is a choice (full batch); unset fields are left to the server
  });
});

test("validation body carries the model, the dataset and what the memory estimate needs", () => {
  const { design } = spiralDesign();
  assert.deepEqual(Object.keys(validationBody(design)), ["model", "dataset"]); // unset: the server's defaults
  design.training = { loss: "CrossEntropyLoss", batch_size: null, optimizer: { type: "Adam", lr: 0.01 }, epochs: 5 };
  assert.deepEqual(validationBody(design), {
    model: modelSpec(design),
    dataset: { name: "spiral", params: { samples: 200, noise: 0.1 } },
    loss: "CrossEntropyLoss", // a choice set: checked against the task, with its warnings
    batch_size: null, // full batch: the estimate counts every row at once
    optimizer: { type: "Adam", lr: 0.01 },
  });
  design.training = { shuffle: false, loss_report: "epoch_sum", loss_params: { reduction: "sum" }, epochs: 5 };
  assert.deepEqual(Object.keys(validationBody(design)), ["model", "dataset", "loss_params", "loss_report", "shuffle"]);
});

test("layer list operations are immutable", () => {
  const { design, makeId } = spiralDesign();
  const layers = design.nets.layers;
  const [a, b, c] = layers.map((layer) => layer.id);

  const moved = moveLayer(layers, c, 0);
  assert.deepEqual(moved.map((layer) => layer.id), [c, a, b]);
  assert.deepEqual(layers.map((layer) => layer.id), [a, b, c]);
  assert.deepEqual(moveLayer(layers, a, 99).map((layer) => layer.id), [b, c, a]);
  assert.equal(moveLayer(layers, a, 0), layers);

  const duplicated = duplicateLayer(layers, a, makeId);
  assert.equal(duplicated.length, 4);
  assert.equal(duplicated[1].type, "Linear");
  assert.notEqual(duplicated[1].id, a);
  assert.notEqual(duplicated[1].params, layers[0].params);

  assert.deepEqual(removeLayer(layers, b).map((layer) => layer.id), [a, c]);
  assert.deepEqual(insertLayer(layers, { id: "x", type: "ReLU", params: {} }, 1).map((layer) => layer.id), [a, "x", b, c]);

  const edited = setLayerParam(layers, a, "out_features", 32);
  assert.equal(edited[0].params.out_features, 32);
  assert.equal(layers[0].params.out_features, 16);
  assert.equal(edited[1], layers[1]);
  assert.equal("out_features" in setLayerParam(layers, a, "out_features", undefined)[0].params, false);
});

test("every field of a request survives request → design → request, named or not", () => {
  const request = {
    name: "mine",
    dataset: { name: "spiral", params: { samples: 200 }, test_fraction: 0.1, seed: 7 },
    model: { layers: [{ type: "Linear", out_features: 2 }] },
    task: "classification",
    optimizer: { type: "SGD", lr: 0.1, momentum: 0.9 },
    scheduler: { type: "StepLR", step_size: 10 },
    grad_clip: 1.5,
    amp: "bf16",
    early_stopping: 5,
    checkpoint_every: 3,
    compile: false,
    a_field_added_later: { any: ["json"] },
  };
  assert.deepEqual(buildJobRequest(designFromRequest(request, createIdFactory())), request);
});

test("a GAN request becomes two nets and comes back the same", () => {
  const design = designFromRequest(GAN_RING, createIdFactory());
  assert.equal(modelKind(design), "gan");
  assert.deepEqual(netsOf(design), ["generator", "discriminator"]);
  assert.deepEqual(design.nets.generator.map((layer) => layer.type), ["Linear", "ReLU", "Linear"]);
  assert.deepEqual(design.nets.discriminator[1].params, { negative_slope: 0.2 });
  assert.deepEqual(design.gan, { latent_dim: 8 });
  assert.deepEqual(buildJobRequest(design), GAN_RING);
  assert.deepEqual(validationBody(design).model, GAN_RING.model);
  assert.equal(defaultJobName({ ...design, training: { ...design.training, name: "" } }), "ring GAN");
  // The server's rule: a generator and a discriminator are a GAN even when the task is left out.
  const { task, ...untasked } = GAN_RING;
  assert.equal(modelKind(designFromRequest(untasked, createIdFactory())), "gan");
});

test("designFromRequest keeps layers with a type and copies the rest untouched", () => {
  const design = designFromRequest(
    { dataset: { name: "moons", params: "nope" }, model: { layers: [{ type: "ReLU" }, null, { foo: 1 }] }, epochs: -3, seed: 4 },
    createIdFactory(),
  );
  assert.equal(design.dataset.name, "moons");
  assert.deepEqual(design.dataset.params, {});
  assert.deepEqual(design.nets.layers.map((layer) => layer.type), ["ReLU"]);
  // Whether this server takes -3 is the reconciler's business (reconcile.test.mjs).
  assert.deepEqual(design.training, { epochs: -3, seed: 4 });
  assert.deepEqual(designFromRequest(null, createIdFactory()), emptyDesign());
});

test("designToPlain omits an automatic name", () => {
  const { design } = spiralDesign();
  assert.equal("name" in designToPlain(design), false);
  assert.equal(defaultJobName(design), "spiral 16-2");
});
