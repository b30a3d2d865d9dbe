// The network designer: palette, the ordered layer cards (add, remove, duplicate,
// reorder by drag and drop or keyboard), per-layer shapes and errors from the
// server's validation, the total, and the diagram. A GAN has two networks, a generator
// and a discriminator: tabs choose the one shown, beside the GAN's own settings
// (latent_dim, from the server's schema).

import { withFormError, withoutFormErrors } from "../lib/form-errors.js";
import { formatCount, formatMemory, formatShape } from "../lib/format.js";
import { sectionFields, withValue } from "../lib/job-form.js";
import { starterValue } from "../lib/params.js";
import { duplicateLayer, insertLayer, moveLayer, netsOf, removeLayer, setLayerParam } from "../lib/spec.js";
import { shallowEqual } from "../lib/store.js";
import { warningsByField } from "../lib/validation.js";
import { h, replaceChildren } from "./dom.js";
import { renderDiagram } from "./diagram.js";
import { createLayerCard } from "./layer-card.js";
import { createPalette, LAYER_MIME } from "./palette.js";
import { createParamForm } from "./param-form.js";

const MOVE_MIME = "application/x-torchplay-move";
const FORM_SCOPE = "layers:"; // this panel's keys in state.formErrors: "layers:<layer id>.<field>"

// jobFields: lib/job-fields.js createJobFields(system.job_schema) (its `gan` settings).
export function createDesigner({ root, store, layerCatalog, datasets, jobFields, makeId }) {
  let cards = new Map();
  let t = store.get().t;
  let structure = "";
  let focusAfterRender = null;
  let chosen = null; // the net shown, when the model has more than one
  let ganWritten = null; // the GAN settings this panel last wrote

  const title = h("h2", { class: "panel-title" });
  const total = h("span", { class: "total", dataset: { testid: "total-params" } });
  const memory = h("span", { class: "total muted", dataset: { testid: "memory-estimate" } });
  const statusPill = h("span", { class: "pill", dataset: { testid: "validation-status" } });
  const clearButton = h("button", { type: "button", class: "btn btn-ghost btn-small", dataset: { testid: "clear-layers" }, onclick: clearAll });
  const paletteSlot = h("div", { class: "palette-slot" });
  const netTabs = h("div", { class: "tabs net-tabs", role: "tablist", dataset: { testid: "net-tabs" } });
  const ganSlot = h("div", { class: "gan-settings" });
  const netBar = h("div", { class: "net-bar", hidden: true }, netTabs, ganSlot);
  const list = h("ol", { class: "layer-list", dataset: { testid: "layer-list" } });
  const inputRow = h("div", { class: "io-row io-input" });
  const outputRow = h("div", { class: "io-row io-output" });
  const emptyNote = h("div", { class: "empty-layers" });
  const dropMarker = h("li", { class: "drop-marker", "aria-hidden": "true" });
  const generalErrors = h("div", { class: "general-errors", role: "alert", hidden: true, dataset: { testid: "designer-errors" } });
  const diagramTitle = h("h3", { class: "subhead" });
  const diagram = h("div", { class: "diagram", dataset: { testid: "diagram" } });
  const moduleTitle = h("h3", { class: "subhead" });
  // The server's print(model) of the built module: the real PyTorch text, never a page-side copy.
  const moduleText = h("pre", { class: "module-text", dataset: { testid: "module-text" } });

  replaceChildren(
    root,
    h("div", { class: "panel-head" }, title, h("div", { class: "panel-head-right" }, statusPill, total, memory, clearButton)),
    paletteSlot,
    netBar,
    h("div", { class: "stack" }, inputRow, list, emptyNote, outputRow),
    generalErrors,
    h("div", { class: "diagram-wrap" }, diagramTitle, diagram),
    h("div", { class: "module-wrap" }, moduleTitle, moduleText),
  );

  // ---- actions ---------------------------------------------------------------

  // The net being edited: the only one, or the chosen tab of a GAN's two.
  function currentNet(state = store.get()) {
    const nets = netsOf(state.design);
    return nets.includes(chosen) ? chosen : nets[0];
  }
  const layers = () => store.get().design.nets[currentNet()];
  const setLayers = (next) => store.update((s) => ({ ...s, design: { ...s.design, nets: { ...s.design.nets, [currentNet(s)]: next } } }));

  function addLayer(type, index = layers().length) {
    const schema = layerCatalog.get(type);
    if (!schema) return;
    const params = {};
    for (const field of schema.fields) {
      const value = starterValue(field);
      if (value !== undefined) params[field.name] = value;
    }
    const layer = { id: makeId(), type, params };
    focusAfterRender = { id: layer.id, flash: true };
    setLayers(insertLayer(layers(), layer, index));
  }

  const actions = {
    move(id, delta) {
      const index = layers().findIndex((layer) => layer.id === id);
      const target = index + delta;
      if (index < 0 || target < 0 || target >= layers().length) return;
      focusAfterRender = { id, handle: true };
      setLayers(moveLayer(layers(), id, target));
    },
    duplicate(id) {
      setLayers(duplicateLayer(layers(), id, makeId));
    },
    remove(id) {
      setLayers(removeLayer(layers(), id));
      store.update((s) => ({ ...s, formErrors: withoutFormErrors(s.formErrors, (key) => key.startsWith(`${FORM_SCOPE}${id}.`)) }));
    },
    setParam(id, name, value) {
      setLayers(setLayerParam(layers(), id, name, value));
    },
    setFormError(key, message) {
      store.update((s) => ({ ...s, formErrors: withFormError(s.formErrors, FORM_SCOPE + key, message) }));
    },
    dragStart(event, id) {
      event.dataTransfer.setData(MOVE_MIME, id);
      event.dataTransfer.effectAllowed = "move";
    },
  };

  function clearAll() {
    const ids = new Set(layers().map((layer) => layer.id));
    setLayers([]);
    store.update((s) => ({ ...s, formErrors: withoutFormErrors(s.formErrors, (key) => ids.has(key.slice(FORM_SCOPE.length).split(".")[0])) }));
  }

  function chooseNet(net) {
    chosen = net;
    structure = "";
    renderNets();
    renderCards();
    renderValidation();
  }

  // ---- drag and drop -----------------------------------------------------------

  function dropIndex(event) {
    const items = [...list.querySelectorAll(".layer-card")];
    for (const [i, item] of items.entries()) {
      const box = item.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) return i;
    }
    return items.length;
  }

  function acceptsDrop(event) {
    const types = [...event.dataTransfer.types];
    return types.includes(LAYER_MIME) || types.includes(MOVE_MIME);
  }

  for (const zone of [list, emptyNote]) {
    zone.addEventListener("dragover", (event) => {
      if (!acceptsDrop(event)) return;
      event.preventDefault();
      const index = dropIndex(event);
      const before = list.querySelectorAll(".layer-card")[index] ?? null;
      if (dropMarker.nextSibling !== before || !dropMarker.isConnected) list.insertBefore(dropMarker, before);
    });
    zone.addEventListener("drop", (event) => {
      if (!acceptsDrop(event)) return;
      event.preventDefault();
      const index = dropIndex(event);
      dropMarker.remove();
      const type = event.dataTransfer.getData(LAYER_MIME);
      const id = event.dataTransfer.getData(MOVE_MIME);
      if (type) addLayer(type, index);
      else if (id) {
        const from = layers().findIndex((layer) => layer.id === id);
        setLayers(moveLayer(layers(), id, index > from ? index - 1 : index));
      }
    });
  }
  list.addEventListener("dragleave", (event) => {
    if (!list.contains(event.relatedTarget)) dropMarker.remove();
  });
  root.addEventListener("dragend", () => {
    dropMarker.remove();
    for (const card of list.querySelectorAll(".dragging")) card.classList.remove("dragging");
  });

  // ---- rendering ---------------------------------------------------------------

  function renderChrome() {
    title.textContent = t("designer.title");
    clearButton.textContent = t("designer.clear");
    diagramTitle.textContent = t("designer.diagram");
    moduleTitle.textContent = t("designer.printModel");
    emptyNote.textContent = t("designer.empty");
    replaceChildren(paletteSlot, createPalette({ layers: [...layerCatalog.values()], t, onAdd: (type) => addLayer(type) }));
  }

  // A GAN's tabs (generator · discriminator, each with its layer count and whether it has
  // problems) and its settings; nothing for a one-network model.
  function renderNets() {
    const state = store.get();
    const nets = netsOf(state.design);
    netBar.hidden = nets.length < 2;
    if (netBar.hidden) return;
    const errors = state.validation.errors?.nets ?? {};
    replaceChildren(
      netTabs,
      nets.map((net) =>
        h(
          "button",
          {
            type: "button",
            class: ["tab", net === currentNet(state) && "active", errors[net] && "has-errors"],
            role: "tab",
            "aria-selected": String(net === currentNet(state)),
            dataset: { testid: `net-${net}`, net },
            onclick: () => net !== currentNet() && chooseNet(net),
          },
          t(`designer.net.${net}`),
          h("span", { class: "tab-count", text: String(state.design.nets[net].length) }),
        ),
      ),
    );
  }

  function renderGanSettings() {
    const gan = store.get().design.gan;
    if (gan === ganWritten) return;
    const fields = sectionFields(jobFields.gan, "gan", "gan", t);
    const form = createParamForm({
      fields,
      values: gan,
      t,
      idPrefix: "gan",
      collapse: false,
      onChange: (name, value) => {
        const next = withValue(store.get().design.gan, fields.find((field) => field.name === name), value);
        ganWritten = next;
        store.update((s) => ({ ...s, design: { ...s.design, gan: next } }));
      },
      onInvalid: (name, message) => store.update((s) => ({ ...s, formErrors: withFormError(s.formErrors, `gan:${name}`, message) })),
    });
    ganWritten = gan;
    store.update((s) => ({ ...s, formErrors: withoutFormErrors(s.formErrors, (key) => key.startsWith("gan:")) }));
    replaceChildren(ganSlot, form.el);
  }

  function renderCards() {
    const current = layers();
    cards = new Map();
    replaceChildren(
      list,
      current.map((layer) => {
        const card = createLayerCard({ layer, schema: layerCatalog.get(layer.type), t, actions });
        cards.set(layer.id, card);
        return card.el;
      }),
    );
    current.forEach((layer, index) => cards.get(layer.id).setPosition(index, current.length));
    // Rebuilt forms show the stored values again, so half-typed invalid text is gone.
    store.update((s) => ({ ...s, formErrors: withoutFormErrors(s.formErrors, (key) => key.startsWith(FORM_SCOPE)) }));
    emptyNote.hidden = current.length > 0;
    clearButton.disabled = current.length === 0;
    if (focusAfterRender) {
      const card = cards.get(focusAfterRender.id);
      if (card && focusAfterRender.handle) card.focusHandle();
      if (card && focusAfterRender.flash) {
        card.el.classList.add("flash");
        card.el.scrollIntoView({ block: "nearest" });
      }
      focusAfterRender = null;
    }
  }

  // Where the shown net's input comes from before the server has answered: the
  // generator takes latent vectors, every other net the dataset's samples.
  function expectedInput(state, net) {
    if (net === "generator") return { shape: [state.design.gan.latent_dim ?? defaultLatent()], source: t("designer.latent") };
    const dataset = datasets.find((entry) => entry.name === state.design.dataset.name);
    return { shape: dataset?.input_shape ?? null, source: state.design.dataset.name ?? "" };
  }

  function defaultLatent() {
    return jobFields.gan.find((field) => field.name === "latent_dim")?.default ?? "?";
  }

  function renderValidation() {
    const state = store.get();
    const { validation } = state;
    const net = currentNet(state);
    const current = state.design.nets[net];
    const result = validation.result;
    const shapes = result?.nets[net];
    const errors = validation.errors ?? { nets: {}, general: [] };
    const netErrors = errors.nets[net] ?? {};
    const netWarnings = warningsByField(result?.warnings, t.lang).nets[net] ?? {};
    current.forEach((layer, index) => {
      const card = cards.get(layer.id);
      if (!card) return;
      card.setInfo(shapes?.layers[index]);
      if (layerCatalog.has(layer.type)) card.showErrors(netErrors[index]);
      card.showWarnings(netWarnings[index]);
    });
    list.classList.toggle("stale", validation.status === "pending");

    const expected = expectedInput(state, net);
    const inputShape = shapes?.inputShape ?? expected.shape;
    replaceChildren(
      inputRow,
      h("span", { class: "io-label", text: t("designer.input") }),
      h("span", { class: "chip chip-shape", dataset: { testid: "input-shape" }, text: inputShape ? formatShape(inputShape) : "?" }),
      h("span", { class: "muted small", text: expected.source }),
    );
    replaceChildren(
      outputRow,
      h("span", { class: "io-label", text: t("designer.output") }),
      h("span", { class: "chip chip-shape", dataset: { testid: "output-shape" }, text: shapes?.outputShape ? formatShape(shapes.outputShape) : "?" }),
    );

    const showTotal = validation.status === "ok" || (validation.status === "pending" && result);
    total.textContent = showTotal && result ? t("designer.total", { n: formatCount(result.totalParams) }) : "";
    total.title = result?.totalParams !== undefined ? String(result.totalParams) : "";
    const memoryMb = showTotal ? result?.memoryMb : null;
    memory.textContent = typeof memoryMb === "number" ? t("designer.memory", { size: formatMemory(memoryMb) }) : "";
    memory.title = typeof memoryMb === "number" ? t("designer.memoryTitle") : "";
    const problems = Object.values(errors.nets).flatMap((byIndex) => Object.values(byIndex)).reduce((n, list) => n + list.length, 0) + errors.general.length;
    const pill = {
      idle: ["", ""],
      pending: ["pill-muted", t("validation.pending")],
      ok: ["pill-ok", t("validation.ok")],
      invalid: ["pill-bad", t("validation.invalid", { n: problems })],
      error: ["pill-warn", t("validation.unreachable")],
      empty: ["pill-muted", t("validation.empty")],
    }[validation.status] ?? ["", ""];
    statusPill.className = `pill ${pill[0]}`;
    statusPill.textContent = pill[1];
    statusPill.hidden = !pill[1];
    statusPill.dataset.state = validation.status;

    const general = [...errors.general.map((error) => (error.where ? `${error.where}: ${error.msg}` : error.msg))];
    if (validation.status === "error" && validation.message) general.push(validation.message);
    generalErrors.hidden = general.length === 0;
    replaceChildren(generalErrors, general.map((text) => h("div", { text })));

    renderNets();
    moduleText.textContent = shapes?.moduleText ?? "";
    renderDiagram(diagram, {
      inputShape,
      layers: current.map((layer) => ({ type: layer.type, category: layerCatalog.get(layer.type)?.category })),
      info: shapes?.layers ?? {},
      invalid: new Set(Object.keys(netErrors).map(Number)),
      t,
      width: diagram.clientWidth || 480,
    });
  }

  // The cards are rebuilt when the shown net's layers change in kind or order (a
  // parameter edit keeps them), or another net is shown.
  const structureKey = (state) => `${currentNet(state)}=${state.design.nets[currentNet(state)].map((layer) => `${layer.id}:${layer.type}`).join("|")}`;

  store.watch(
    (s) => s.t,
    (next) => {
      t = next;
      ganWritten = null;
      renderChrome();
      renderGanSettings();
      renderCards();
      renderValidation();
    },
  );
  store.watch(
    (s) => [s.design.nets, netsOf(s.design)],
    () => {
      const key = structureKey(store.get());
      if (key === structure) return renderNets();
      structure = key;
      renderCards();
      renderValidation();
    },
    { immediate: false, equals: shallowEqual },
  );
  store.watch((s) => s.design.gan, renderGanSettings, { immediate: false });
  store.watch((s) => s.validation, renderValidation, { immediate: false });
  store.watch((s) => [s.design.dataset.name, s.design.gan.latent_dim], renderValidation, { immediate: false, equals: shallowEqual });
  structure = structureKey(store.get());

  return { addLayer, chooseNet };
}
