// The job request's fields, read from the server's JSON schema of it (`job_schema` in
// `GET /api/system`: JobCreate's schema): its own settings (optimizer, epochs, …), the
// dataset reference's beyond name and params (test_fraction, seed, …) and a GAN model's
// beyond its two nets (latent_dim, …).
//
// A design (lib/spec.js) carries these values exactly as a request has them, so a field
// the server adds travels from a job, a preset or a link into the next request without
// the page naming it; what the page decides here is only which values this server takes
// (lib/params.js acceptValue), and the forms draw the fields (lib/job-form.js places them).

import { acceptValues, fieldsFromJsonSchema } from "./params.js";

// Edited by panels of their own: the dataset panel and the designer.
const OWN_EDITORS = new Set(["dataset", "model"]);
const DATASET_OWN = new Set(["name", "params"]);

// → {settings, dataset, gan}: field lists (lib/params.js shape) of each part.
export function createJobFields(schema) {
  const top = fieldsFromJsonSchema(schema);
  const named = new Map(top.map((field) => [field.name, field]));
  const gan = Object.values(named.get("model")?.variants ?? {}).find((fields) => fields.some((field) => field.name === "generator")) ?? [];
  return {
    settings: top.filter((field) => !OWN_EDITORS.has(field.name)),
    dataset: (named.get("dataset")?.fields ?? []).filter((field) => !DATASET_OWN.has(field.name)),
    // A net is a field whose value has layers; the rest are the GAN's settings.
    gan: gan.filter((field) => !field.fields?.some((inner) => inner.name === "layers")),
  };
}

// The values of each part this server would take (a design from elsewhere may hold
// fields it lacks, or values it refuses).
export function acceptDesignValues(fields, design) {
  const { name, params, ...dataset } = design.dataset;
  return {
    training: acceptValues(fields.settings, design.training),
    dataset: { ...acceptValues(fields.dataset, dataset), name, params },
    gan: acceptValues(fields.gan, design.gan),
  };
}
