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
  modelSpec,
  moveLayer,
  removeLayer,
  setLayerParam,
  validationBody,
} from "../../frontend/js/lib/spec.js";

function spiralDesign() {
  const makeId = createIdFactory();
  const design = emptyDesign("spiral");
  design.dataset.params = { samples: 200, noise: 0.1, unused: undefined };
  design.layers = [
    { type: "Linear", out_features: 16 },
    { type: "Tanh" },
    { type: "Linear", out_features: 2, in_features: "" },
  ].map((spec) => layerFromSpec(spec, makeId));
  return { design, makeId };
}

test("model spec drops unset parameters and keeps torch keyword names", () => {
  const { design } = spiralDesign();
  assert.deepEqual(modelSpec(design.layers), {
    layers: [{ type: "Linear", out_features: 16 }, { type: "Tanh" }, { type: "Linear", out_features: 2 }],
  });
});

test("job request follows DESIGN §3 with defaults filled", () => {
  const { design } = spiralDesign();
  design.training.task = "classification";
  design.training.loss = "CrossEntropyLoss";
  design.training.batch_size = null;
  const request = buildJobRequest(design);
  assert.deepEqual(request, {
    name: "spiral 16-2",
    dataset: { name: "spiral", params: { samples: 200, noise: 0.1 }, test_fraction: 0.2 },
    model: modelSpec(design.layers),
    task: "classification",
    loss: "CrossEntropyLoss",
    optimizer: { type: "Adam", lr: 0.01 },
    scheduler: null,
    epochs: 200,
    batch_size: null,
    device: "auto",
    seed: 0,
    snapshot_every: 1,
    compile: null,
  });
});

test("the compile choice survives request → design → request", () => {
  for (const choice of [true, false, null]) {
    const { design, makeId } = spiralDesign();
    design.training.compile = choice;
    const request = buildJobRequest(design);
    assert.equal(request.compile, choice);
    assert.equal(buildJobRequest(designFromRequest(request, makeId)).compile, choice);
  }
  const { makeId } = spiralDesign();
  assert.equal(designFromRequest({ compile: "yes" }, makeId).training.compile, null); // junk from a URL is ignored
});

test("validation body carries the model and the dataset", () => {
  const { design } = spiralDesign();
  assert.deepEqual(validationBody(design), {
    model: modelSpec(design.layers),
    dataset: { name: "spiral", params: { samples: 200, noise: 0.1 } },
  });
});

test("a scheduler without a type is sent as null", () => {
  const { design } = spiralDesign();
  design.training.scheduler = { type: "", step_size: 3 };
  assert.equal(buildJobRequest(design).scheduler, null);
  design.training.scheduler = { type: "StepLR", step_size: 3 };
  assert.deepEqual(buildJobRequest(design).scheduler, { type: "StepLR", step_size: 3 });
});

test("layer list operations are immutable", () => {
  const { design, makeId } = spiralDesign();
  const layers = design.layers;
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

test("a job request round-trips through a design", () => {
  const { design } = spiralDesign();
  design.training.name = "mine";
  design.training.scheduler = { type: "StepLR", step_size: 10 };
  const request = buildJobRequest(design);
  const again = buildJobRequest(designFromRequest(request, createIdFactory()));
  assert.deepEqual(again, request);
});

test("designFromRequest ignores junk and keeps defaults", () => {
  const design = designFromRequest(
    { dataset: { name: "moons", params: "nope" }, model: { layers: [{ type: "ReLU" }, null, { foo: 1 }] }, epochs: -3, seed: 4 },
    createIdFactory(),
  );
  assert.equal(design.dataset.name, "moons");
  assert.deepEqual(design.dataset.params, {});
  assert.deepEqual(design.layers.map((layer) => layer.type), ["ReLU"]);
  assert.equal(design.training.epochs, 200);
  assert.equal(design.training.seed, 4);
});

test("designToPlain omits an automatic name", () => {
  const { design } = spiralDesign();
  assert.equal("name" in designToPlain(design), false);
  assert.equal(defaultJobName(design), "spiral 16-2");
});
