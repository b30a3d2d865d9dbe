// The design being edited (dataset + layers + training settings) and the JSON the
// server wants (model spec, validation body, job request). Pure data; no DOM.
//
// Design: {dataset: {name, params, test_fraction},
//          layers: [{id, type, params}],            // ids only live in the page
//          training: {name, task, loss, optimizer: {type, lr, ...}, scheduler,
//                     epochs, batch_size, device, seed, snapshot_every, compile}}

export const DEFAULT_TRAINING = Object.freeze({
  name: "",
  task: null,
  loss: null,
  optimizer: { type: "Adam", lr: 0.01 },
  scheduler: null,
  epochs: 200,
  batch_size: 32,
  device: "auto",
  seed: 0,
  snapshot_every: 1,
  compile: null, // torch.compile of the step: true, false, or null = the server decides
});

export const DEFAULT_TEST_FRACTION = 0.2;

export function createIdFactory(prefix = "l") {
  let next = 0;
  return () => `${prefix}${++next}`;
}

export function emptyDesign(datasetName = null) {
  return {
    dataset: { name: datasetName, params: {}, test_fraction: DEFAULT_TEST_FRACTION },
    layers: [],
    training: structuredClone(DEFAULT_TRAINING),
  };
}

// ---- layers ---------------------------------------------------------------

export function compact(object) {
  const out = {};
  for (const [key, value] of Object.entries(object ?? {})) {
    if (value !== undefined && value !== "") out[key] = value;
  }
  return out;
}

export function layerToSpec(layer) {
  return { type: layer.type, ...compact(layer.params) };
}

export function layerFromSpec(spec, makeId) {
  const { type, ...params } = spec ?? {};
  return { id: makeId(), type: String(type ?? ""), params: compact(params) };
}

export function modelSpec(layers) {
  return { layers: layers.map(layerToSpec) };
}

export function insertLayer(layers, layer, index = layers.length) {
  const at = clamp(index, 0, layers.length);
  return [...layers.slice(0, at), layer, ...layers.slice(at)];
}

export function removeLayer(layers, id) {
  return layers.filter((layer) => layer.id !== id);
}

export function duplicateLayer(layers, id, makeId) {
  const index = layers.findIndex((layer) => layer.id === id);
  if (index < 0) return layers;
  const copy = { ...layers[index], id: makeId(), params: structuredClone(layers[index].params) };
  return insertLayer(layers, copy, index + 1);
}

// Moves the layer to `toIndex` in the resulting list.
export function moveLayer(layers, id, toIndex) {
  const from = layers.findIndex((layer) => layer.id === id);
  if (from < 0) return layers;
  const rest = layers.filter((layer) => layer.id !== id);
  const to = clamp(toIndex, 0, rest.length);
  if (to === from) return layers;
  return insertLayer(rest, layers[from], to);
}

export function setLayerParam(layers, id, name, value) {
  return layers.map((layer) => {
    if (layer.id !== id) return layer;
    const params = { ...layer.params };
    if (value === undefined) delete params[name];
    else params[name] = value;
    return { ...layer, params };
  });
}

function clamp(x, lo, hi) {
  return Math.min(Math.max(x, lo), hi);
}

// ---- requests ---------------------------------------------------------------

export function validationBody(design) {
  return {
    model: modelSpec(design.layers),
    dataset: { name: design.dataset.name, params: compact(design.dataset.params) },
  };
}

export function buildJobRequest(design) {
  const { dataset, training } = design;
  const optimizer = compact(training.optimizer);
  const scheduler = training.scheduler?.type ? compact(training.scheduler) : null;
  return {
    name: training.name?.trim() || defaultJobName(design),
    dataset: {
      name: dataset.name,
      params: compact(dataset.params),
      test_fraction: dataset.test_fraction ?? DEFAULT_TEST_FRACTION,
    },
    model: modelSpec(design.layers),
    task: training.task ?? null,
    loss: training.loss ?? null,
    optimizer,
    scheduler,
    epochs: training.epochs,
    batch_size: training.batch_size ?? null,
    device: training.device ?? "auto",
    seed: training.seed ?? 0,
    snapshot_every: training.snapshot_every ?? 1,
    compile: training.compile ?? null,
  };
}

// "spiral 16-16-2": the dataset and the widths of its Linear layers.
export function defaultJobName(design) {
  const widths = design.layers
    .filter((layer) => layer.type === "Linear" && layer.params.out_features !== undefined)
    .map((layer) => layer.params.out_features);
  const shape = widths.length ? widths.join("-") : `${design.layers.length}L`;
  return `${design.dataset.name ?? "model"} ${shape}`;
}

// A job record's normalised request (or a preset, or a shared link) → design.
export function designFromRequest(request, makeId) {
  const design = emptyDesign(request?.dataset?.name ?? null);
  if (!request || typeof request !== "object") return design;
  const dataset = request.dataset ?? {};
  design.dataset = {
    name: typeof dataset.name === "string" ? dataset.name : null,
    params: isPlainObject(dataset.params) ? { ...dataset.params } : {},
    test_fraction: typeof dataset.test_fraction === "number" ? dataset.test_fraction : DEFAULT_TEST_FRACTION,
  };
  const layers = Array.isArray(request.model?.layers) ? request.model.layers : [];
  design.layers = layers.filter((spec) => spec && typeof spec.type === "string").map((spec) => layerFromSpec(spec, makeId));
  const training = design.training;
  const pick = (key, check) => {
    if (key in request && check(request[key])) training[key] = request[key];
  };
  pick("name", (v) => typeof v === "string");
  pick("task", (v) => v === null || typeof v === "string");
  pick("loss", (v) => v === null || typeof v === "string");
  pick("optimizer", (v) => isPlainObject(v) && typeof v.type === "string");
  pick("scheduler", (v) => v === null || (isPlainObject(v) && typeof v.type === "string"));
  pick("epochs", (v) => Number.isInteger(v) && v > 0);
  pick("batch_size", (v) => v === null || (Number.isInteger(v) && v > 0));
  pick("device", (v) => typeof v === "string");
  pick("seed", (v) => Number.isInteger(v));
  pick("snapshot_every", (v) => Number.isInteger(v) && v > 0);
  pick("compile", (v) => v === null || typeof v === "boolean");
  return design;
}

// The design as a request-shaped object without derived fields, for URLs and
// "load this job's design".
export function designToPlain(design) {
  const request = buildJobRequest(design);
  if (!design.training.name?.trim()) delete request.name;
  return request;
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
