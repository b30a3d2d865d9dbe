// The design being edited and the JSON the server wants from it (model spec, validation
// body, job request). Pure data; no DOM.
//
// Design: {dataset: {name, params, …},       // the request's dataset, as it is
//          nets: {layers, generator, discriminator},   // layer lists [{id, type, params}]
//          gan: {latent_dim, …},              // a GAN model's other fields
//          training: {…}}                     // every other field of the request, as it is
//
// Only the layer lists differ from the request (their ids live in the page). Everything
// else is copied both ways untouched, so whatever the server's request has survives
// request → design → request (and the URL) without a list of fields here; which values
// this server takes is the reconciler's business (lib/reconcile.js).

import { isPlainObject } from "./params.js";

export const NETS = Object.freeze({ sequential: ["layers"], gan: ["generator", "discriminator"] });

export function createIdFactory(prefix = "l") {
  let next = 0;
  return () => `${prefix}${++next}`;
}

export function emptyDesign(datasetName = null) {
  return {
    dataset: { name: datasetName, params: {} },
    nets: { layers: [], generator: [], discriminator: [] },
    gan: {},
    training: {},
  };
}

// A GAN trains a generator against a discriminator; every other task one network.
export function modelKind(design) {
  return design.training.task === "gan" ? "gan" : "sequential";
}

// The layer lists the design's kind of model has: ["layers"] or ["generator", "discriminator"].
export function netsOf(design) {
  return NETS[modelKind(design)];
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

export function layersFromSpecs(specs, makeId) {
  return (Array.isArray(specs) ? specs : []).filter((spec) => spec && typeof spec.type === "string").map((spec) => layerFromSpec(spec, makeId));
}

export function modelSpec(design) {
  const specs = (net) => ({ layers: design.nets[net].map(layerToSpec) });
  if (modelKind(design) === "gan") return { generator: specs("generator"), discriminator: specs("discriminator"), ...compact(design.gan) };
  return specs("layers");
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

// The model and its data, and what the memory estimate also depends on: the batch size
// (null: full batch) and the optimizer, when the design sets them.
// The job's choices the server checks against the task and warns about (loss, output,
// shuffling), with the memory estimate's batch size and optimizer: those that are set.
export const VALIDATED_SETTINGS = ["task", "loss", "loss_params", "loss_report", "shuffle", "batch_size", "optimizer"];

export function validationBody(design) {
  const training = compact(design.training);
  const settings = Object.fromEntries(VALIDATED_SETTINGS.filter((name) => training[name] !== undefined).map((name) => [name, training[name]]));
  return {
    model: modelSpec(design),
    dataset: { name: design.dataset.name, params: compact(design.dataset.params) },
    ...settings,
  };
}

export function buildJobRequest(design) {
  return {
    ...compact(design.training),
    name: design.training.name?.trim() || defaultJobName(design),
    dataset: { ...compact(design.dataset), params: compact(design.dataset.params) },
    model: modelSpec(design),
  };
}

// "spiral 16-2": the dataset and the widths of its Linear layers ("ring GAN" for a GAN).
export function defaultJobName(design) {
  const dataset = design.dataset.name ?? "model";
  if (modelKind(design) === "gan") return `${dataset} GAN`;
  const layers = design.nets.layers;
  const widths = layers.filter((layer) => layer.type === "Linear" && layer.params.out_features !== undefined).map((layer) => layer.params.out_features);
  return `${dataset} ${widths.length ? widths.join("-") : `${layers.length}L`}`;
}

// A job record's normalised request (or a preset, or a shared link) → design.
export function designFromRequest(request, makeId) {
  const { dataset, model, ...settings } = isPlainObject(request) ? structuredClone(request) : {};
  const design = emptyDesign();
  if (isPlainObject(dataset)) {
    design.dataset = { ...dataset, name: typeof dataset.name === "string" ? dataset.name : null, params: isPlainObject(dataset.params) ? dataset.params : {} };
  }
  if (isPlainObject(model) && isPlainObject(model.generator)) {
    const { generator, discriminator, ...gan } = model;
    design.nets.generator = layersFromSpecs(generator.layers, makeId);
    design.nets.discriminator = layersFromSpecs(discriminator?.layers, makeId);
    design.gan = gan;
    settings.task ??= "gan"; // the server's rule: a generator and a discriminator mean a GAN
  } else if (isPlainObject(model)) {
    design.nets.layers = layersFromSpecs(model.layers, makeId);
  }
  design.training = settings;
  return design;
}

// The design as a request-shaped object without derived fields, for URLs and
// "load this job's design".
export function designToPlain(design) {
  const request = buildJobRequest(design);
  if (!design.training.name?.trim()) delete request.name;
  return request;
}
