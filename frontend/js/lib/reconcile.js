// A design from a shared link, an old job or a preset may name things this server
// doesn't have (a dataset, a loss, a device, a request field) or values it refuses.
// Reconciling keeps what fits and leaves the rest to the server's defaults. Pure:
// catalogues in, design out.
//
// fields: lib/job-fields.js createJobFields(system.job_schema).

import { acceptDesignValues } from "./job-fields.js";
import { fieldsFromJsonSchema } from "./params.js";

export function createReconciler({ datasets, system, fields }) {
  const training = system.training ?? {};
  const devices = new Set(["auto", ...(system.devices ?? [])]);

  return (design) => {
    const dataset = datasets.find((d) => d.name === design.dataset.name) ?? datasets[0];
    if (!dataset) return design;
    const accepted = acceptDesignValues(fields, design);
    const known = new Set(fieldsFromJsonSchema(dataset.params).map((field) => field.name));
    const params = Object.fromEntries(Object.entries(design.dataset.params).filter(([key]) => known.has(key)));
    // Task and loss belong to the dataset they were chosen for.
    const sameDataset = dataset.name === design.dataset.name;
    const settings = accepted.training;
    const task = sameDataset && settings.task ? settings.task : dataset.task;
    const loss = sameDataset && settings.loss ? settings.loss : (training.default_loss?.[task] ?? null);
    const next = { ...settings, task, loss };
    if (!devices.has(next.device)) delete next.device; // the server's default: auto
    return {
      ...design,
      dataset: { ...accepted.dataset, name: dataset.name, params },
      gan: accepted.gan,
      training: next,
    };
  };
}
