// The tutorials' examples, as the server has them (`GET /api/presets`: {id, title: {en, zh},
// note: {en, zh}, request}): the picker's list, and the page's first design.

// The presets that look usable (an id and a request with a dataset and a model).
export function usablePresets(fromServer) {
  return Array.isArray(fromServer)
    ? fromServer.filter((preset) => preset && typeof preset.id === "string" && preset.request?.dataset && preset.request?.model)
    : [];
}

export function findPreset(id, presets) {
  return presets.find((preset) => preset.id === id) ?? null;
}

// Title and note in the page's language (English where the server has no translation).
export function presetText(preset, t) {
  const pick = (texts) => (texts && typeof texts === "object" ? (texts[t.lang] ?? texts.en ?? null) : null);
  return { title: pick(preset.title) ?? preset.id, note: pick(preset.note) ?? "" };
}
