// The tutorials' examples from GET /api/presets, one card each with its note in the
// page's language and a button that hands the full job request to the designer.
//
//   mountPresets(container, api, { lang: "zh", onChoose: (request, preset) => loadIntoForms(request) });

export function mountPresets(container, api, { lang = "en", onChoose = () => {}, t = (k, v) => v?.fallback ?? k } = {}) {
  const root = document.createElement("section");
  root.className = "presets";
  root.dataset.testid = "presets";
  container.append(root);
  let presets = [];

  function render() {
    root.replaceChildren(
      ...presets.map((preset) => {
        const card = document.createElement("article");
        card.className = "preset-card";
        card.dataset.preset = preset.id;
        const title = document.createElement("h3");
        title.textContent = preset.title[lang] ?? preset.title.en;
        const note = document.createElement("p");
        note.textContent = preset.note[lang] ?? preset.note.en;
        const load = document.createElement("button");
        load.type = "button";
        load.textContent = t("presets.load", { fallback: lang === "zh" ? "载入" : "Load" });
        load.addEventListener("click", () => onChoose(structuredClone(preset.request), preset));
        card.append(title, note, load);
        return card;
      }),
    );
  }

  const ready = api.presets().then((list) => {
    presets = list;
    render();
    return list;
  });
  return {
    ready,
    setLanguage(next) {
      lang = next;
      render();
    },
    destroy: () => root.remove(),
  };
}
