// The network designer: palette, the ordered layer cards (add, remove, duplicate,
// reorder by drag and drop or keyboard), per-layer shapes and errors from the
// server's validation, the total, and the diagram.

import { withFormError, withoutFormErrors } from "../lib/form-errors.js";
import { formatCount, formatShape } from "../lib/format.js";
import { starterValue } from "../lib/params.js";
import { duplicateLayer, insertLayer, moveLayer, removeLayer, setLayerParam } from "../lib/spec.js";
import { h, replaceChildren } from "./dom.js";
import { renderDiagram } from "./diagram.js";
import { createLayerCard } from "./layer-card.js";
import { createPalette, LAYER_MIME } from "./palette.js";

const MOVE_MIME = "application/x-torchplay-move";

export function createDesigner({ root, store, layerCatalog, datasets, makeId }) {
  let cards = new Map();
  let t = store.get().t;
  let structure = "";
  let focusAfterRender = null;

  const title = h("h2", { class: "panel-title" });
  const total = h("span", { class: "total", dataset: { testid: "total-params" } });
  const statusPill = h("span", { class: "pill", dataset: { testid: "validation-status" } });
  const clearButton = h("button", { type: "button", class: "btn btn-ghost btn-small", dataset: { testid: "clear-layers" }, onclick: clearAll });
  const paletteSlot = h("div", { class: "palette-slot" });
  const list = h("ol", { class: "layer-list", dataset: { testid: "layer-list" } });
  const inputRow = h("div", { class: "io-row io-input" });
  const outputRow = h("div", { class: "io-row io-output" });
  const emptyNote = h("div", { class: "empty-layers" });
  const dropMarker = h("li", { class: "drop-marker", "aria-hidden": "true" });
  const generalErrors = h("div", { class: "general-errors", role: "alert", hidden: true, dataset: { testid: "designer-errors" } });
  const diagramTitle = h("h3", { class: "subhead" });
  const diagram = h("div", { class: "diagram", dataset: { testid: "diagram" } });

  replaceChildren(
    root,
    h("div", { class: "panel-head" }, title, h("div", { class: "panel-head-right" }, statusPill, total, clearButton)),
    paletteSlot,
    h("div", { class: "stack" }, inputRow, list, emptyNote, outputRow),
    generalErrors,
    h("div", { class: "diagram-wrap" }, diagramTitle, diagram),
  );

  // ---- actions ---------------------------------------------------------------

  const layers = () => store.get().design.layers;
  const setLayers = (next) => store.update((s) => ({ ...s, design: { ...s.design, layers: next } }));

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
      store.update((s) => ({
        ...s,
        design: { ...s.design, layers: removeLayer(s.design.layers, id) },
        formErrors: withoutFormErrors(s.formErrors, (key) => key.startsWith(`${id}.`)),
      }));
    },
    setParam(id, name, value) {
      setLayers(setLayerParam(layers(), id, name, value));
    },
    setFormError(key, message) {
      store.update((s) => ({ ...s, formErrors: withFormError(s.formErrors, key, message) }));
    },
    dragStart(event, id) {
      event.dataTransfer.setData(MOVE_MIME, id);
      event.dataTransfer.effectAllowed = "move";
    },
  };

  function clearAll() {
    store.update((s) => ({ ...s, design: { ...s.design, layers: [] }, formErrors: {} }));
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
    emptyNote.textContent = t("designer.empty");
    replaceChildren(paletteSlot, createPalette({ layers: [...layerCatalog.values()], t, onAdd: (type) => addLayer(type) }));
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
    store.update((s) => ({ ...s, formErrors: withoutFormErrors(s.formErrors, (key) => key.includes(".")) }));
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

  function datasetInputShape(state) {
    return datasets.find((dataset) => dataset.name === state.design.dataset.name)?.input_shape ?? null;
  }

  function renderValidation() {
    const state = store.get();
    const { validation } = state;
    const current = state.design.layers;
    const result = validation.result;
    const errors = validation.errors ?? { layers: {}, general: [] };
    current.forEach((layer, index) => {
      const card = cards.get(layer.id);
      if (!card) return;
      card.setInfo(result?.layers[index]);
      if (layerCatalog.has(layer.type)) card.showErrors(errors.layers[index]);
    });
    list.classList.toggle("stale", validation.status === "pending");

    const inputShape = result?.inputShape ?? datasetInputShape(state);
    replaceChildren(
      inputRow,
      h("span", { class: "io-label", text: t("designer.input") }),
      h("span", { class: "chip chip-shape", text: inputShape ? formatShape(inputShape) : "?" }),
      h("span", { class: "muted small", text: state.design.dataset.name ?? "" }),
    );
    replaceChildren(
      outputRow,
      h("span", { class: "io-label", text: t("designer.output") }),
      h("span", { class: "chip chip-shape", dataset: { testid: "output-shape" }, text: result?.outputShape ? formatShape(result.outputShape) : "?" }),
    );

    const showTotal = validation.status === "ok" || (validation.status === "pending" && result);
    total.textContent = showTotal && result ? t("designer.total", { n: formatCount(result.totalParams) }) : "";
    total.title = result?.totalParams !== undefined ? String(result.totalParams) : "";
    const problems = Object.values(errors.layers).reduce((n, list) => n + list.length, 0) + errors.general.length;
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

    renderDiagram(diagram, {
      inputShape,
      layers: current.map((layer) => ({ type: layer.type, category: layerCatalog.get(layer.type)?.category })),
      info: result?.layers ?? {},
      invalid: new Set(Object.keys(errors.layers).map(Number)),
      t,
      width: diagram.clientWidth || 480,
    });
  }

  const structureKey = (current) => current.map((layer) => `${layer.id}:${layer.type}`).join("|");

  store.watch(
    (s) => s.t,
    (next) => {
      t = next;
      renderChrome();
      renderCards();
      renderValidation();
    },
  );
  store.watch(
    (s) => s.design.layers,
    (current) => {
      const key = structureKey(current);
      if (key === structure) return;
      structure = key;
      renderCards();
      renderValidation();
    },
    { immediate: false },
  );
  store.watch((s) => s.validation, renderValidation, { immediate: false });
  store.watch((s) => s.design.dataset.name, renderValidation, { immediate: false });
  structure = structureKey(layers());

  return { addLayer };
}
