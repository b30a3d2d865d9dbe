// Training settings: every field of the job request the server's schema has beyond the
// dataset and the model (task, loss, optimizer and its parameters, epochs, …, and under
// Advanced the scheduler, early stopping, gradient clipping, …), placed by lib/job-form.js;
// the tutorial presets; the Start / Stop buttons, and Pause · Resume · Step and a live
// learning-rate change for the watched job, as its status allows (the server's lifecycle);
// below them the doctor's checks (ui/doctor-checks.js), passed in as `checks`.

import { withFormError, withoutFormErrors } from "../lib/form-errors.js";
import { parseLearningRate } from "../lib/job-controls.js";
import { sectionFields, withValue } from "../lib/job-form.js";
import { warningsByField } from "../lib/validation.js";
import { netsOf } from "../lib/spec.js";
import { h, replaceChildren } from "./dom.js";
import { createParamForm } from "./param-form.js";
import { createPresetPicker } from "./preset-picker.js";

// jobFields: lib/job-fields.js createJobFields(system.job_schema); lifecycle: lib/job-controls.js
// createLifecycle(system.lifecycle).
export function createTrainingPanel({ root, store, system, jobFields, lifecycle, presets, onStart, onStop, onControl, onChange, onPreset, checks = null }) {
  let presetShown = null; // the preset whose note is open, kept across language switches
  let advancedOpen = null; // opened or closed by hand; until then, open when something in it is set
  const training = system.training ?? {};
  const devices = [...new Set(["auto", ...(system.devices ?? ["cpu"])])];
  const limits = system.limits ?? {};
  let t = store.get().t;
  let written = null; // the training object this panel last wrote, to skip redrawing
  let starting = false;

  const startButton = h("button", { type: "button", class: "btn btn-primary btn-start", dataset: { testid: "start" }, onclick: start });
  const stopButton = h("button", { type: "button", class: "btn btn-danger-outline", dataset: { testid: "stop" }, onclick: () => onStop() });
  let controlling = false; // a pause/resume/step/change request is on its way
  const control = (op) => async () => {
    controlling = true;
    renderButtons();
    try {
      await onControl(op);
    } finally {
      controlling = false;
      renderButtons();
    }
  };
  const pauseButton = h("button", { type: "button", class: "btn", dataset: { testid: "pause" }, onclick: control("pause") });
  const resumeButton = h("button", { type: "button", class: "btn", dataset: { testid: "resume" }, onclick: control("resume") });
  const stepButton = h("button", { type: "button", class: "btn", dataset: { testid: "step" }, onclick: control("step") });
  const lrInput = h("input", { type: "text", id: "live-lr", inputmode: "decimal", dataset: { testid: "live-lr" } });
  const lrLabel = h("label", { for: "live-lr" });
  const lrButton = h("button", { type: "button", class: "btn btn-small", dataset: { testid: "live-lr-apply" }, onclick: changeLr });
  lrInput.addEventListener("keydown", (event) => event.key === "Enter" && changeLr());
  const reason = h("p", { class: "start-reason", role: "status", dataset: { testid: "start-reason" } });
  const formSlot = h("div", { class: "training-form" });
  const presetSlot = h("div");
  const title = h("h2", { class: "panel-title" });
  replaceChildren(
    root,
    h("div", { class: "panel-head" }, title),
    presetSlot,
    formSlot,
    h("div", { class: "start-row" }, startButton, stopButton),
    h("div", { class: "control-row" }, pauseButton, resumeButton, stepButton),
    h("div", { class: "live-lr" }, lrLabel, lrInput, lrButton),
    reason,
    checks,
  );

  async function start() {
    if (startButton.disabled) return;
    starting = true;
    renderButtons();
    try {
      await onStart();
    } finally {
      starting = false;
      renderButtons();
    }
  }

  async function changeLr() {
    if (lrButton.disabled) return;
    const lr = parseLearningRate(lrInput.value);
    lrInput.classList.toggle("invalid", lr === null);
    if (lr === null) return;
    controlling = true;
    renderButtons();
    try {
      await onChange({ lr });
    } finally {
      controlling = false;
      renderButtons();
    }
  }

  const current = () => store.get().design.training;
  function write(next) {
    written = next;
    store.update((s) => ({ ...s, design: { ...s.design, training: next } }));
  }
  const setFormError = (key, message) => store.update((s) => ({ ...s, formErrors: withFormError(s.formErrors, key, message) }));
  const OWN_SCOPE = "training:";

  function change(name, value) {
    const next = withValue(current(), jobFields.settings.find((field) => field.name === name), value);
    if (name !== "task") return write(next);
    // A task brings its usual loss, the losses that fit it, and its kind of model.
    write({ ...next, loss: training.default_loss?.[value] ?? next.loss });
    renderForm();
  }

  // What the catalogues add to the schema's fields: the page's names for the tasks, the
  // losses that fit the chosen task, this server's devices and its limits.
  function refine(field, settings) {
    switch (field.name) {
      case "task":
        return { ...field, options: (field.enum ?? []).map((task) => [task, t(`task.${task}`)]) };
      case "loss": {
        // The usual losses first, then the others torch runs on these targets (with a warning).
        const fitting = training.accepted_losses_by_task?.[settings.task] ?? training.losses_by_task?.[settings.task] ?? field.enum ?? [];
        const losses = !settings.loss || fitting.includes(settings.loss) ? fitting : [settings.loss, ...fitting];
        return { ...field, enum: losses, options: losses.map((loss) => [loss, loss]) };
      }
      case "device":
        return { ...field, enum: devices, options: devices.map((device) => [device, device === "auto" ? t("training.deviceAuto") : device]) };
      case "epochs":
        return { ...field, maximum: limits.max_epochs ?? field.maximum };
      case "batch_size":
        return { ...field, maximum: limits.max_batch_size ?? field.maximum };
      default:
        return field;
    }
  }

  // The plan's warnings on the settings (from the last check of the design), by field.
  const settingWarnings = () => warningsByField(store.get().validation?.result?.warnings, t.lang).settings;

  function sectionForm(section, settings) {
    const warned = settingWarnings();
    const fields = sectionFields(jobFields.settings, "settings", section, t).map((field) => {
      const refined = refine(field, settings);
      return warned[field.name] ? { ...refined, warning: t("training.warning", { msg: warned[field.name] }) } : refined;
    });
    const form = createParamForm({
      fields,
      values: settings,
      t,
      idPrefix: "train",
      collapse: false,
      onChange: change,
      onInvalid: (name, message) => setFormError(OWN_SCOPE + name, message),
    });
    return { el: form.el, fields };
  }

  // A setting in Advanced differs from the server's default: open it, so it is seen (a
  // label such as the job's name is no setting).
  const changedFrom = (fields, settings) =>
    fields.some((field) => {
      const value = settings[field.name];
      const label = field.type === "string" && !field.enum;
      return !label && value !== undefined && value !== null && JSON.stringify(value) !== JSON.stringify(field.default);
    });

  function renderForm() {
    store.update((s) => ({ ...s, formErrors: withoutFormErrors(s.formErrors, (key) => key.startsWith(OWN_SCOPE)) }));
    const settings = current();
    const main = sectionForm("main", settings);
    const extra = sectionForm("advanced", settings);
    const advanced = h(
      "details",
      { class: "advanced", open: (advancedOpen ?? changedFrom(extra.fields, settings)) || undefined, dataset: { testid: "advanced" } },
      h("summary", { text: t("training.advanced") }),
      extra.el,
    );
    advanced.addEventListener("toggle", () => (advancedOpen = advanced.open));
    const focusedId = document.activeElement?.id;
    replaceChildren(formSlot, main.el, advanced);
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  function startBlocker(state) {
    const empty = netsOf(state.design).find((net) => !state.design.nets[net].length);
    if (empty) return empty === "layers" ? "start.noLayers" : `start.noLayers.${empty}`;
    if (Object.keys(state.formErrors ?? {}).length) return "start.formErrors";
    return (
      {
        pending: "start.checking",
        idle: "start.checking",
        invalid: "start.invalid",
        error: "start.unreachable",
      }[state.validation.status] ?? null
    );
  }

  function renderButtons() {
    const state = store.get();
    const blocker = startBlocker(state);
    startButton.disabled = Boolean(blocker) || starting;
    startButton.textContent = starting ? t("training.starting") : t("training.start");
    reason.textContent = blocker ? t(blocker) : "";
    reason.classList.toggle("is-error", blocker === "start.invalid" || blocker === "start.formErrors" || blocker === "start.unreachable");
    const active = state.activeJob?.id === state.activeJobId ? state.activeJob : null;
    const status = active?.summary?.status ?? state.jobs.list.find((job) => job.id === state.activeJobId)?.status;
    const allowed = lifecycle.controlsFor(state.activeJobId ? (status ?? "queued") : null);
    stopButton.disabled = !allowed.stop;
    stopButton.textContent = t("training.stop");
    pauseButton.disabled = controlling || !allowed.pause;
    resumeButton.disabled = controlling || !allowed.resume;
    stepButton.disabled = controlling || !allowed.step;
    lrButton.disabled = controlling || !allowed.change;
    lrInput.disabled = !allowed.change;
    pauseButton.textContent = t("training.pause");
    resumeButton.textContent = t(status === "interrupted" ? "training.resumeInterrupted" : "training.resume");
    resumeButton.title = status === "interrupted" ? t("training.resumeInterruptedHint") : "";
    stepButton.textContent = t("training.step");
    stepButton.title = t("training.stepHint");
    lrLabel.textContent = t("training.liveLr");
    lrButton.textContent = t("training.liveLrApply");
    if (!lrInput.value && active?.summary?.lr) lrInput.placeholder = String(active.summary.lr);
  }

  store.watch(
    (s) => s.t,
    (next) => {
      t = next;
      title.textContent = t("training.title");
      replaceChildren(
        presetSlot,
        createPresetPicker({ presets, t, onChoose: onPreset, shownId: presetShown, onShown: (id) => (presetShown = id) }),
      );
      renderForm();
      renderButtons();
    },
  );
  store.watch(
    (s) => s.design.training,
    (value) => {
      if (value !== written) renderForm();
    },
    { immediate: false },
  );
  store.watch((s) => JSON.stringify(warningsByField(s.validation?.result?.warnings, s.t?.lang).settings), renderForm, { immediate: false });
  store.subscribe(renderButtons);
}
