// Training settings (task, loss, optimizer and its parameters, learning rate,
// epochs, batch size, device, seed, scheduler), the tutorial presets, and the
// Start / Stop buttons, Pause · Resume · Step and a live learning-rate change for the
// watched job.

import { withFormError, withoutFormErrors } from "../lib/form-errors.js";
import { controlsFor, parseLearningRate } from "../lib/job-controls.js";
import { fieldsFromParams } from "../lib/params.js";
import { h, replaceChildren } from "./dom.js";
import { createParamForm } from "./param-form.js";
import { createPresetPicker } from "./preset-picker.js";

export function createTrainingPanel({ root, store, system, presets, onStart, onStop, onControl, onChange, onPreset }) {
  let presetShown = null; // the preset whose note is open, kept across language switches
  const training = system.training ?? {};
  const optimizers = new Map((training.optimizers ?? []).map((o) => [o.type, fieldsFromParams(o.params)]));
  const schedulers = new Map((training.schedulers ?? []).map((s) => [s.type, fieldsFromParams(s.params)]));
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
  const setKey = (key, value) => write({ ...current(), [key]: value });
  const setFormError = (key, message) => store.update((s) => ({ ...s, formErrors: withFormError(s.formErrors, key, message) }));
  const OWN_SCOPES = /^(training|optimizer|scheduler):/;

  function select(id, label, options, value, onChange, testid) {
    const el = h(
      "select",
      { id, dataset: { testid } },
      options.map(([optionValue, text]) => h("option", { value: optionValue, text })),
    );
    el.value = value ?? "";
    el.addEventListener("change", () => onChange(el.value));
    return h("div", { class: "field" }, h("label", { class: "field-label", for: id }, h("span", { class: "field-name", text: label })), el);
  }

  function field(name, type, extra = {}) {
    return {
      name,
      label: t(`training.${name}`),
      type,
      default: null,
      required: false,
      minimum: null,
      maximum: null,
      exclusiveMinimum: null,
      exclusiveMaximum: null,
      enum: null,
      description: t(`training.${name}Help`),
      inferred: false,
      nullable: false,
      ...extra,
    };
  }

  function basicForm(fields, values, onChange) {
    return createParamForm({
      fields,
      values,
      t,
      idPrefix: "train",
      collapse: false,
      onChange,
      onInvalid: (name, message) => setFormError(`training:${name}`, message),
    }).el;
  }

  function renderForm() {
    store.update((s) => ({ ...s, formErrors: withoutFormErrors(s.formErrors, (key) => OWN_SCOPES.test(key)) }));
    const settings = current();
    const optimizer = settings.optimizer ?? { type: "Adam", lr: 0.01 };
    const optimizerFields = optimizers.get(optimizer.type) ?? [];
    const lrField = optimizerFields.find((f) => f.name === "lr");
    const schedulerType = settings.scheduler?.type ?? "";

    const taskSelect = select(
      "train-task",
      t("training.task"),
      (training.tasks ?? []).map((task) => [task, t(`task.${task}`)]),
      settings.task,
      (task) => {
        const loss = training.default_loss?.[task] ?? current().loss;
        write({ ...current(), task, loss });
        renderForm();
      },
      "task",
    );
    // Offer the losses that fit the task when the server says which those are.
    const losses = training.losses_by_task?.[settings.task] ?? training.losses ?? [];
    const lossOptions = losses.includes(settings.loss) || !settings.loss ? losses : [settings.loss, ...losses];
    const lossSelect = select("train-loss", t("training.loss"), lossOptions.map((loss) => [loss, loss]), settings.loss, (loss) => setKey("loss", loss), "loss");
    const optimizerSelect = select(
      "train-optimizer",
      t("training.optimizer"),
      [...optimizers.keys()].map((type) => [type, type]),
      optimizer.type,
      (type) => {
        // Keep the learning rate; drop keywords the new optimizer doesn't take.
        const names = new Set((optimizers.get(type) ?? []).map((f) => f.name));
        const kept = Object.fromEntries(Object.entries(current().optimizer).filter(([key]) => names.has(key)));
        write({ ...current(), optimizer: { ...kept, type, lr: current().optimizer.lr } });
        renderForm();
      },
      "optimizer",
    );
    const lrForm = basicForm(
      [field("lr", "number", { exclusiveMinimum: 0, required: true, default: null, maximum: lrField?.maximum ?? null, description: lrField?.description || t("training.lrHelp") })],
      { lr: optimizer.lr },
      (_, value) => write({ ...current(), optimizer: { ...current().optimizer, lr: value } }),
    );
    const optimizerOptions = createParamForm({
      fields: optimizerFields,
      exclude: ["lr"],
      values: optimizer,
      t,
      idPrefix: "opt",
      collapse: "always",
      onChange: (name, value) => write({ ...current(), optimizer: { ...current().optimizer, [name]: value } }),
      onInvalid: (name, message) => setFormError(`optimizer:${name}`, message),
    }).el;

    const loopForm = basicForm(
      [
        field("epochs", "integer", { minimum: 1, maximum: limits.max_epochs ?? null, required: true }),
        field("batch_size", "integer", { minimum: 1, maximum: limits.max_batch_size ?? null, nullable: true }),
        field("seed", "integer", { minimum: 0 }),
      ],
      { epochs: settings.epochs, batch_size: settings.batch_size ?? undefined, seed: settings.seed },
      (name, value) => setKey(name, name === "batch_size" ? (value ?? null) : name === "seed" ? (value ?? 0) : value),
    );
    loopForm.querySelector("#train-batch_size")?.setAttribute("placeholder", t("training.fullBatch"));
    const deviceSelect = select(
      "train-device",
      t("training.device"),
      devices.map((device) => [device, device === "auto" ? t("training.deviceAuto") : device]),
      settings.device,
      (device) => setKey("device", device),
      "device",
    );
    loopForm.querySelector(".param-grid").append(deviceSelect);

    const schedulerSelect = select(
      "train-scheduler",
      t("training.scheduler"),
      [["", t("training.noScheduler")], ...[...schedulers.keys()].map((type) => [type, type])],
      schedulerType,
      (type) => {
        write({ ...current(), scheduler: type ? { type } : null });
        renderForm();
      },
      "scheduler",
    );
    const schedulerForm = schedulerType
      ? createParamForm({
          fields: schedulers.get(schedulerType) ?? [],
          values: settings.scheduler,
          t,
          idPrefix: "sched",
          collapse: false,
          onChange: (name, value) => write({ ...current(), scheduler: { ...current().scheduler, [name]: value } }),
          onInvalid: (name, message) => setFormError(`scheduler:${name}`, message),
        }).el
      : null;
    // torch.compile of the whole step: null lets the server decide (long plain-SGD runs).
    const compileSelect = select(
      "train-compile",
      t("training.compile"),
      [
        ["auto", t("training.compileAuto")],
        ["on", t("training.compileOn")],
        ["off", t("training.compileOff")],
      ],
      settings.compile === true ? "on" : settings.compile === false ? "off" : "auto",
      (choice) => setKey("compile", choice === "on" ? true : choice === "off" ? false : null),
      "compile",
    );
    compileSelect.title = t("training.compileHelp");
    const extraForm = basicForm(
      [field("snapshot_every", "integer", { minimum: 1 }), field("name", "string")],
      { snapshot_every: settings.snapshot_every, name: settings.name || undefined },
      (name, value) => setKey(name, name === "name" ? (value ?? "") : (value ?? 1)),
    );
    extraForm.querySelector("#train-name")?.setAttribute("placeholder", t("training.namePlaceholder"));

    const advanced = h(
      "details",
      { class: "advanced", open: Boolean(schedulerType) || undefined },
      h("summary", { text: t("training.advanced") }),
      h("div", { class: "row-2" }, schedulerSelect, compileSelect),
      schedulerForm,
      extraForm,
    );

    const focusedId = document.activeElement?.id;
    replaceChildren(
      formSlot,
      h("div", { class: "row-2" }, taskSelect, lossSelect),
      h("div", { class: "row-2" }, optimizerSelect, lrForm),
      optimizerOptions,
      loopForm,
      advanced,
    );
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  function startBlocker(state) {
    if (!state.design.layers.length) return "start.noLayers";
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
    const allowed = state.activeJobId
      ? controlsFor(status ?? "queued", { done: Boolean(active?.summary?.done) })
      : controlsFor(null);
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
  store.subscribe(renderButtons);
}
