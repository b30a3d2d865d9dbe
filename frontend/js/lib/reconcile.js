// A design from a shared link, an old job or a preset may name things this server
// doesn't have (a dataset, a loss, a device). Reconciling keeps what fits and falls
// back to the server's defaults for the rest. Pure: catalogues in, design out.

import { fieldsFromJsonSchema } from "./params.js";

export function createReconciler({ datasets, system }) {
  const training = system.training ?? {};
  const tasks = training.tasks ?? [];
  const losses = training.losses ?? [];
  const optimizers = new Map((training.optimizers ?? []).map((o) => [o.type, o]));
  const schedulers = new Set((training.schedulers ?? []).map((s) => s.type));
  const devices = new Set(["auto", ...(system.devices ?? [])]);

  return (design) => {
    const dataset = datasets.find((d) => d.name === design.dataset.name) ?? datasets[0];
    if (!dataset) return design;
    const known = new Set(fieldsFromJsonSchema(dataset.params).map((field) => field.name));
    const params = Object.fromEntries(Object.entries(design.dataset.params).filter(([key]) => known.has(key)));
    // Task and loss belong to the dataset they were chosen for.
    const sameDataset = dataset.name === design.dataset.name;
    const wanted = design.training;
    const task = sameDataset && tasks.includes(wanted.task) ? wanted.task : dataset.task;
    const loss = sameDataset && losses.includes(wanted.loss) ? wanted.loss : (training.default_loss?.[task] ?? losses[0] ?? null);
    const fallbackOptimizer = optimizers.has("Adam") ? "Adam" : [...optimizers.keys()][0];
    const optimizer = optimizers.has(wanted.optimizer?.type)
      ? wanted.optimizer
      : { type: fallbackOptimizer, lr: wanted.optimizer?.lr ?? 0.01 };
    return {
      ...design,
      dataset: { ...design.dataset, name: dataset.name, params },
      training: {
        ...wanted,
        task,
        loss,
        optimizer,
        scheduler: wanted.scheduler && schedulers.has(wanted.scheduler.type) ? wanted.scheduler : null,
        device: devices.has(wanted.device) ? wanted.device : "auto",
      },
    };
  };
}
