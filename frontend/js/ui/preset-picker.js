// "Load an example…": the tutorials' presets in a picker, and a note on what to
// watch for while the chosen one trains.

import { presetText } from "../lib/presets.js";
import { h, replaceChildren } from "./dom.js";

// The panel rebuilds the picker when the language changes; `shownId` / `onShown` keep
// the open note across that rebuild, so it reappears in the new language.
export function createPresetPicker({ presets, t, onChoose, shownId = null, onShown = () => {} }) {
  let shown = presets.find((preset) => preset.id === shownId) ?? null; // the example whose note is showing
  const note = h("div", { class: "preset-note", hidden: true, dataset: { testid: "preset-note" } });
  const picker = h(
    "select",
    { class: "preset-select", dataset: { testid: "preset-select" }, "aria-label": t("training.presets") },
    h("option", { value: "", text: t("training.choosePreset") }),
    presets.map((preset) => h("option", { value: preset.id, text: presetText(preset, t).title })),
  );
  picker.addEventListener("change", () => {
    const preset = presets.find((p) => p.id === picker.value);
    picker.value = "";
    if (!preset) return;
    shown = preset;
    onShown(preset.id);
    renderNote();
    onChoose(preset);
  });

  function renderNote() {
    note.hidden = !shown;
    if (!shown) return;
    const { title, note: text } = presetText(shown, t);
    replaceChildren(
      note,
      h(
        "div",
        { class: "preset-note-text" },
        h("strong", { text: title }),
        h("p", { text }),
        // The tutorial only builds and prints this one: its print(model) is in the designer.
        shown.trains === false ? h("p", { class: "muted small", dataset: { testid: "preset-design-only" }, text: t("training.presetDesignOnly") }) : null,
      ),
      h("button", {
        type: "button",
        class: "toast-close",
        "aria-label": t("common.close"),
        text: "×",
        onclick: () => {
          shown = null;
          onShown(null);
          renderNote();
        },
      }),
    );
  }

  renderNote();
  return h("div", {}, h("div", { class: "presets" }, h("span", { class: "presets-label", text: t("training.presets") }), picker), note);
}
