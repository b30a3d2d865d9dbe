// The tutorials' examples as whole job requests; choosing one fills every form.
//
// The server's `GET /api/presets` (titles and notes in English and Chinese) is used
// when it exists; these three are the fallback, titled from the i18n tables.

export const BUILT_IN_PRESETS = [
  {
    id: "regression-221",
    request: {
      dataset: { name: "random-regression", params: { samples: 10, features: 2 }, test_fraction: 0 },
      model: { layers: [{ type: "Linear", out_features: 2 }, { type: "ReLU" }, { type: "Linear", out_features: 1 }] },
      task: "regression",
      loss: "MSELoss",
      optimizer: { type: "SGD", lr: 0.01 },
      scheduler: null,
      epochs: 100,
      batch_size: null,
      device: "auto",
      seed: 0,
      snapshot_every: 1,
    },
  },
  {
    id: "step-sigmoid",
    request: {
      dataset: { name: "step", params: {}, test_fraction: 0 },
      model: {
        layers: [
          { type: "Linear", out_features: 2 },
          { type: "Sigmoid" },
          { type: "Linear", out_features: 1 },
          { type: "Sigmoid" },
        ],
      },
      task: "regression",
      loss: "BCELoss",
      optimizer: { type: "SGD", lr: 0.1 },
      scheduler: null,
      epochs: 1000,
      batch_size: 1,
      device: "auto",
      seed: 0,
      snapshot_every: 10,
    },
  },
  {
    id: "spiral-mlp",
    request: {
      dataset: { name: "spiral", params: { samples: 400, noise: 0.1 }, test_fraction: 0.2 },
      model: {
        layers: [
          { type: "Linear", out_features: 16 },
          { type: "Tanh" },
          { type: "Linear", out_features: 16 },
          { type: "Tanh" },
          { type: "Linear", out_features: 2 },
        ],
      },
      task: "classification",
      loss: "CrossEntropyLoss",
      optimizer: { type: "Adam", lr: 0.03 },
      scheduler: null,
      epochs: 300,
      batch_size: 32,
      device: "auto",
      seed: 0,
      snapshot_every: 1,
    },
  },
];

export function findPreset(id, presets = BUILT_IN_PRESETS) {
  return presets.find((preset) => preset.id === id) ?? null;
}

// Server presets ({id, title: {en, zh}, note: {en, zh}, request}) that look usable,
// or the built-ins when there are none.
export function choosePresets(fromServer) {
  const usable = Array.isArray(fromServer)
    ? fromServer.filter((preset) => preset && typeof preset.id === "string" && preset.request?.dataset && preset.request?.model)
    : [];
  return usable.length ? usable : BUILT_IN_PRESETS;
}

// Title and note in the page's language: the server's own text, else the table's.
export function presetText(preset, t) {
  const pick = (texts) => (texts && typeof texts === "object" ? (texts[t.lang] ?? texts.en ?? null) : null);
  return {
    title: pick(preset.title) ?? t(`preset.${preset.id}`),
    note: pick(preset.note) ?? t(`preset.${preset.id}.help`),
  };
}
