// Dataset choice, its parameters (a form from the dataset's JSON schema), the request's
// own dataset fields (test fraction, data seed: from the server's job schema), and a
// preview plot of the data with "regenerate".

import { serverText } from "../lib/i18n.js";
import { renderPreview } from "../charts/preview/index.js";
import { clearChart } from "../charts/registry.js";
import { withFormError, withoutFormErrors } from "../lib/form-errors.js";
import { formatShape } from "../lib/format.js";
import { sectionFields, withValue } from "../lib/job-form.js";
import { fieldsFromJsonSchema } from "../lib/params.js";
import { h, debounce, replaceChildren } from "./dom.js";
import { createParamForm } from "./param-form.js";

// jobFields: lib/job-fields.js createJobFields(system.job_schema).
export function createDatasetPanel({ root, store, api, datasets, system, jobFields, Plotly }) {
  let t = store.get().t;
  let written = null; // dataset object this panel last wrote
  let previewRequest = null;

  const title = h("h2", { class: "panel-title" });
  const pickerSlot = h("div", { class: "dataset-picker" });
  const info = h("div", { class: "dataset-info" });
  const formSlot = h("div", { class: "dataset-form" });
  const previewTitle = h("h3", { class: "subhead" });
  const seedNote = h("span", { class: "muted small", dataset: { testid: "preview-seed" } });
  const regenerate = h("button", { type: "button", class: "btn btn-ghost btn-small", dataset: { testid: "regenerate" }, onclick: regenerateData });
  const previewPlot = h("div", { class: "plot plot-preview", dataset: { testid: "preview" } });
  const previewNote = h("p", { class: "chart-note", hidden: true });
  replaceChildren(
    root,
    h("div", { class: "panel-head" }, title),
    pickerSlot,
    info,
    formSlot,
    h("div", { class: "preview-head" }, previewTitle, h("div", { class: "preview-actions" }, seedNote, regenerate)),
    h("div", { class: "preview-box" }, previewPlot, previewNote),
  );

  const byName = new Map(datasets.map((dataset) => [dataset.name, dataset]));
  const current = () => store.get().design.dataset;

  function write(dataset, extra = {}) {
    written = dataset;
    store.update((s) => ({ ...s, design: { ...s.design, dataset, training: { ...s.design.training, ...extra } } }));
  }

  function choose(name) {
    const dataset = byName.get(name);
    if (!dataset) return;
    const task = dataset.task;
    // A new dataset brings its own task and that task's usual loss.
    write(
      { ...current(), name, params: {} },
      { task, loss: system.training?.default_loss?.[task] ?? store.get().design.training.loss },
    );
    written = null;
    render();
  }

  // The data's seed: its own, else the job's (the server's rule, DESIGN §6).
  const dataSeed = () => current().seed ?? store.get().design.training.seed ?? 0;

  // A new draw of the data: its own seed goes one up (the weights' seed stays).
  function regenerateData() {
    write({ ...current(), seed: dataSeed() + 1 });
    written = null;
    render();
  }

  function setFormError(key, message) {
    store.update((s) => ({ ...s, formErrors: withFormError(s.formErrors, key, message) }));
  }

  function renderPicker() {
    const tasks = [...new Set(datasets.map((dataset) => dataset.task))];
    const selectEl = h(
      "select",
      { id: "dataset-select", dataset: { testid: "dataset-select" }, "aria-label": t("dataset.choose") },
      tasks.map((task) =>
        h(
          "optgroup",
          { label: t(`task.${task}`) },
          datasets.filter((dataset) => dataset.task === task).map((dataset) => h("option", { value: dataset.name, text: dataset.name })),
        ),
      ),
    );
    selectEl.value = current().name ?? "";
    selectEl.addEventListener("change", () => choose(selectEl.value));
    replaceChildren(pickerSlot, selectEl);
  }

  function render() {
    const dataset = byName.get(current().name);
    store.update((s) => ({ ...s, formErrors: withoutFormErrors(s.formErrors, (key) => key.startsWith("dataset:")) }));
    renderPicker();
    if (!dataset) {
      replaceChildren(info, h("p", { class: "muted", text: t("dataset.none") }));
      replaceChildren(formSlot);
      return;
    }
    replaceChildren(
      info,
      h("p", { class: "dataset-description", text: serverText(t.lang, dataset.description, dataset.description_zh) }),
      h(
        "div",
        { class: "chips" },
        h("span", { class: "chip", text: t(`task.${dataset.task}`) }),
        h("span", { class: "chip chip-shape", title: t("dataset.inputShape"), text: `${t("dataset.input")} ${formatShape(dataset.input_shape)}` }),
        dataset.classes ? h("span", { class: "chip", text: t("dataset.classes", { n: dataset.classes.length }) }) : null,
        dataset.download ? h("span", { class: "chip chip-warn", text: t("dataset.download") }) : null,
      ),
    );
    // Well-known parameter names get a translated label; others show as named.
    const fields = fieldsFromJsonSchema(dataset.params).map((field) => ({
      ...field,
      label: t.has(`datasetParam.${field.name}`) ? t(`datasetParam.${field.name}`) : field.name,
    }));
    const paramsForm = createParamForm({
      fields,
      values: current().params,
      t,
      idPrefix: "ds",
      collapse: false,
      onChange: (name, value) => {
        const params = { ...current().params };
        if (value === undefined) delete params[name];
        else params[name] = value;
        write({ ...current(), params });
      },
      onInvalid: (name, message) => setFormError(`dataset:${name}`, message),
    });
    const ownFields = sectionFields(jobFields.dataset, "dataset", "dataset", t);
    const ownForm = createParamForm({
      fields: ownFields,
      values: current(),
      t,
      idPrefix: "ds",
      collapse: false,
      onChange: (name, value) => write(withValue(current(), ownFields.find((field) => field.name === name), value)),
      onInvalid: (name, message) => setFormError(`dataset:${name}`, message),
    });
    replaceChildren(formSlot, fields.length ? paramsForm.el : h("p", { class: "muted small", text: t("dataset.noParams") }), ownForm.el);
  }

  const loadPreview = debounce(async () => {
    const { name, params } = current();
    const seed = dataSeed();
    seedNote.textContent = t("dataset.seed", { seed });
    if (!name || !byName.has(name)) return;
    previewRequest?.abort();
    const controller = new AbortController();
    previewRequest = controller;
    previewPlot.classList.add("loading");
    try {
      const preview = await api.preview(name, params, seed, controller.signal);
      if (previewRequest !== controller) return;
      previewNote.hidden = true;
      previewPlot.hidden = false;
      renderPreview(previewPlot, preview, { Plotly, t });
    } catch (error) {
      if (error.kind === "aborted" || previewRequest !== controller) return;
      clearChart(previewPlot, Plotly);
      previewPlot.hidden = true;
      previewNote.hidden = false;
      previewNote.textContent = t("dataset.previewFailed", { message: error.message });
    } finally {
      if (previewRequest === controller) previewPlot.classList.remove("loading");
    }
  }, 250);

  store.watch(
    (s) => s.t,
    (next) => {
      t = next;
      title.textContent = t("dataset.title");
      previewTitle.textContent = t("dataset.preview");
      regenerate.textContent = t("dataset.regenerate");
      regenerate.title = t("dataset.regenerateHelp");
      render();
      loadPreview();
    },
  );
  store.watch(
    (s) => s.design.dataset,
    (dataset) => {
      if (dataset !== written) render();
      loadPreview();
    },
    { immediate: false },
  );
  store.watch((s) => s.design.training.seed, () => loadPreview(), { immediate: false }); // the data's, unless it has its own
}
