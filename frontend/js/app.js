// Composition root: loads the catalogues, builds the store, and wires the panels
// and services together. Holds no state of its own beyond this function's scope.

import en from "./i18n/en.js";
import zh from "./i18n/zh.js";
import { createApi } from "./lib/api.js";
import { createAuth, initialShares, initialToken } from "./lib/auth.js";
import { createAutogradView } from "./features/autograd/view.js";
import { createSweepView } from "./features/sweep/view.js";
import { createTranslator, pickLanguage } from "./lib/i18n.js";
import { createLifecycle, describeChange } from "./lib/job-controls.js";
import { createJobFields } from "./lib/job-fields.js";
import { fieldsFromParams } from "./lib/params.js";
import { findPreset, presetText, usablePresets } from "./lib/presets.js";
import { buildJobRequest, createIdFactory, designFromRequest, emptyDesign } from "./lib/spec.js";
import { createStore } from "./lib/store.js";
import { decodeHash } from "./lib/url-state.js";
import { createReconciler } from "./lib/reconcile.js";
import { createJobsPoller } from "./services/jobs-poller.js";
import { createUrlSync } from "./services/url-sync.js";
import { createValidator, NO_ERRORS } from "./services/validator.js";
import { createDatasetPanel } from "./ui/dataset-panel.js";
import { createDesigner } from "./ui/designer.js";
import { createDoctorChecks } from "./ui/doctor-checks.js";
import { h, replaceChildren, translateStatic } from "./ui/dom.js";
import { createComparePanel } from "./ui/compare-panel.js";
import { createJobView } from "./ui/job-view.js";
import { createJobsList } from "./ui/jobs-list.js";
import { loadScript } from "./ui/load-script.js";
import { createHeader } from "./ui/header.js";
import { createNotifier } from "./ui/toasts.js";
import { createForkDialog } from "./ui/fork-dialog.js";
import { createJobTools } from "./ui/job-tools.js";
import { createShareDialog } from "./ui/share-dialog.js";
import { createTokenDialog } from "./ui/token-dialog.js";
import { createTrainingPanel } from "./ui/training-panel.js";
import { createViewSwitch } from "./ui/view-switch.js";

const TABLES = { en, zh };
const LANG_KEY = "torchplay.lang";
const DEFAULT_PRESET = "spiral-mlp"; // the server preset the page opens with

function storage(kind = "localStorage") {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

async function main() {
  const lang = pickLanguage({ stored: storage()?.getItem(LANG_KEY), preferred: navigator.languages ?? [], available: Object.keys(TABLES) });
  const store = createStore({
    lang,
    t: createTranslator(TABLES, lang),
    design: emptyDesign(),
    validation: { status: "idle", result: null, errors: NO_ERRORS, message: "" },
    formErrors: {},
    jobs: { list: [], loaded: false, error: null },
    activeJobId: null,
    activeJob: null,
    compare: { ids: [], open: false }, // jobs ticked in the list; open: the compare panel shows
    me: null, // GET /api/me: {name, admin, anonymous, shared_jobs}; anonymous: a share link's visitor
  });
  // The page loads without a token; the first 401 asks for one (kept for this tab once
  // the server accepted it) and every request and stream carries it from then on.
  const tokenDialog = createTokenDialog({ t: () => store.get().t });
  const replaceUrl = (href) => window.history.replaceState(window.history.state, "", href);
  const shares = initialShares({ href: window.location.href, replaceUrl, storage: storage("sessionStorage") });
  const auth = createAuth({
    token: initialToken({
      href: window.location.href,
      replaceUrl,
      storage: storage("sessionStorage"),
      legacyStorage: storage(),
    }),
    storage: storage("sessionStorage"),
    ask: (reason) => tokenDialog.ask(reason),
  });
  const authFetch = auth.wrapFetch(globalThis.fetch.bind(globalThis));
  const api = createApi({ fetch: authFetch, token: auth.token, shares });
  const notify = createNotifier(document.getElementById("toasts"), { closeLabel: () => store.get().t("common.close") });

  store.watch(
    (s) => s.t,
    (t) => {
      document.documentElement.lang = t.lang === "zh" ? "zh-CN" : "en";
      document.title = t("app.title");
      translateStatic(document.body, t);
    },
  );
  createHeader({
    root: document.getElementById("header-tools"),
    store,
    languages: Object.keys(TABLES),
    onLanguage(next) {
      storage()?.setItem(LANG_KEY, next);
      store.update((s) => ({ ...s, lang: next, t: createTranslator(TABLES, next) }));
    },
  });

  // The 4.6 MB chart library loads while the catalogues are fetched, not before.
  const [catalog, loadedPlotly] = await Promise.all([loadCatalog(api, store), loadScript("/vendor/plotly.min.js", "Plotly")]);
  const presets = usablePresets(catalog.presets);
  const jobFields = createJobFields(catalog.system.job_schema);
  const lifecycle = createLifecycle(catalog.system.lifecycle);
  const Plotly = loadedPlotly ?? plotlyMissing(notify, store);
  const me = await api.me().catch(() => null);
  store.update((s) => ({ ...s, system: catalog.system, me }));
  // A visitor who came by a share link watches that job: no designer, nothing to start or stop.
  const viewer = Boolean(me?.anonymous);
  document.body.classList.toggle("viewer-mode", viewer);

  const makeId = createIdFactory("layer");
  const layerCatalog = new Map(catalog.layers.map((layer) => [layer.type, { ...layer, fields: fieldsFromParams(layer.params) }]));
  const reconcile = createReconciler({ ...catalog, fields: jobFields });
  const applyRequest = (request) =>
    store.update((s) => ({ ...s, design: reconcile(designFromRequest(request, makeId)), formErrors: {} }));

  const fromHash = decodeHash(window.location.hash);
  const opening = findPreset(DEFAULT_PRESET, presets) ?? presets[0];
  applyRequest(fromHash.design ?? opening?.request ?? { dataset: { name: catalog.datasets[0]?.name } });
  store.update((s) => ({ ...s, activeJobId: fromHash.job }));

  const validator = createValidator({ store, api });
  const poller = createJobsPoller({ store, api, lifecycle });
  createUrlSync({ store, applyRequest });

  const t = () => store.get().t;
  const actions = {
    async start() {
      try {
        const job = await api.createJob(buildJobRequest(store.get().design));
        store.update((s) => ({
          ...s,
          jobs: { ...s.jobs, list: [job, ...s.jobs.list.filter((other) => other.id !== job.id)] },
          activeJobId: job.id,
        }));
        notify.info(t()("start.started", { name: job.name ?? job.id }));
        poller.refresh();
      } catch (error) {
        notify.error(t()("start.failed", { message: error.message }));
        if (error.status === 422) validator.showJobErrors(error.detail);
      }
    },
    async stop(id = store.get().activeJobId) {
      if (!id) return;
      try {
        await api.stopJob(id);
        notify.info(t()("jobs.stopRequested"));
      } catch (error) {
        notify.error(error.status === 409 ? t()("jobs.cannotStop") : t()("jobs.stopFailed", { message: error.message }));
      }
      poller.refresh();
    },
    // pause · resume · step of the watched job; resuming an `interrupted` job
    // restarts it from its last checkpoint, so the view starts over from seq 0.
    async control(op, id = store.get().activeJobId) {
      if (!id) return;
      const before = store.get().jobs.list.find((job) => job.id === id)?.status;
      const summary = store.get().activeJob?.id === id ? store.get().activeJob.summary : null;
      const wasInterrupted = (summary?.status ?? before) === "interrupted";
      const call = { pause: api.pauseJob, resume: api.resumeJob, step: api.stepJob }[op];
      try {
        const record = await call(id);
        store.update((s) => ({ ...s, jobs: { ...s.jobs, list: s.jobs.list.map((job) => (job.id === id ? { ...job, ...record } : job)) } }));
        if (wasInterrupted) {
          jobView.rewatch(id);
          notify.info(t()("jobs.resumedFromCheckpoint", { epoch: record?.epoch ?? 0 }));
        }
      } catch (error) {
        notify.error(t()("jobs.controlFailed", { action: t()(`training.${op}`), message: error.message }));
      }
      poller.refresh();
    },
    resume(id) {
      actions.open(id);
      return actions.control("resume", id);
    },
    async change(values, id = store.get().activeJobId) {
      if (!id) return;
      try {
        await api.changeJob(id, values);
        notify.info(t()("jobs.changeSent", { values: describeChange(values) }));
      } catch (error) {
        notify.error(t()("jobs.changeFailed", { message: error.message }));
      }
    },
    async remove(id) {
      try {
        await api.deleteJob(id);
        if (store.get().activeJobId === id) store.update((s) => ({ ...s, activeJobId: null }));
        actions.pickForCompare(id, false);
        store.update((s) => ({ ...s, jobs: { ...s.jobs, list: s.jobs.list.filter((job) => job.id !== id) } }));
      } catch (error) {
        notify.error(t()("jobs.deleteFailed", { message: error.message }));
      }
      poller.refresh();
    },
    open(id) {
      store.update((s) => ({ ...s, activeJobId: id }));
    },
    async loadDesign(id) {
      try {
        const record = await api.getJob(id);
        if (!record.request) throw new Error(t()("jobs.noRequest"));
        applyRequest(record.request);
        notify.info(t()("jobs.designLoaded", { name: record.name ?? id }));
      } catch (error) {
        notify.error(t()("jobs.loadDesignFailed", { message: error.message }));
      }
    },
    // A suggested learning rate: into the design's optimizer (the one it names, else the
    // server's default one), or, for a job that takes live changes, sent to it.
    useLr(lr, job = null) {
      if (job && !viewer && lifecycle.allows(job.status, "change")) return actions.change({ lr }, job.id);
      const field = jobFields.settings.find((one) => one.name === "optimizer");
      store.update((s) => ({ ...s, design: { ...s.design, training: { ...s.design.training, optimizer: { ...(s.design.training.optimizer ?? field?.default), lr } } } }));
      notify.info(t()("checks.lrApplied", { lr }));
    },
    refresh: () => poller.refresh(),
    pickForCompare(id, picked) {
      store.update((s) => {
        const ids = s.compare.ids.filter((other) => other !== id).concat(picked ? [id] : []);
        return { ...s, compare: { ids, open: s.compare.open && ids.length >= 2 } };
      });
    },
    compare() {
      store.update((s) => ({ ...s, compare: { ...s.compare, open: s.compare.ids.length >= 2 } }));
    },
  };

  if (viewer) {
    for (const panel of ["dataset-panel", "designer-panel", "training-panel"]) document.getElementById(panel).hidden = true;
    store.update((s) => ({ ...s, activeJobId: s.activeJobId ?? me.shared_jobs[0] ?? null }));
  } else {
    createDatasetPanel({ root: document.getElementById("dataset-panel"), store, api, datasets: catalog.datasets, system: catalog.system, jobFields, Plotly });
    createDesigner({ root: document.getElementById("designer-panel"), store, layerCatalog, datasets: catalog.datasets, jobFields, makeId });
  }
  const shareDialog = createShareDialog({ t, api, notify });
  const forkDialog = createForkDialog({
    t,
    api,
    notify,
    onForked(job) {
      store.update((s) => ({ ...s, jobs: { ...s.jobs, list: [job, ...s.jobs.list] }, activeJobId: job.id }));
      poller.refresh();
    },
  });
  const jobTools = createJobTools({ store, shareDialog, forkDialog });
  if (!viewer) createTrainingPanel({
    root: document.getElementById("training-panel"),
    store,
    system: catalog.system,
    jobFields,
    lifecycle,
    presets,
    onStart: actions.start,
    onStop: () => actions.stop(),
    onControl: (op) => actions.control(op),
    onChange: (values) => actions.change(values),
    checks: createDoctorChecks({ store, api, Plotly, request: () => buildJobRequest(store.get().design), onUseLr: actions.useLr }).el,
    onPreset(preset) {
      applyRequest(preset.request);
      notify.info(t()("preset.applied", { name: presetText(preset, t()).title }));
    },
  });
  const jobView = createJobView({
    root: document.getElementById("job-view"),
    store,
    api,
    Plotly,
    datasets: catalog.datasets,
    lifecycle,
    notify,
    onJobFinished: () => poller.refresh(),
    headTools: jobTools.el,
    onUseLr: actions.useLr,
    // A refused stream: any request now asks for the token if it is wrong.
    onUnauthorized: () => api.system().then(() => true, () => false),
  });
  createComparePanel({ root: document.getElementById("compare-panel"), store, api, Plotly, notify });
  createJobsList({ root: document.getElementById("jobs-panel"), store, lifecycle, actions });
  const autograd = createAutogradView({ root: document.getElementById("autograd-view"), store, api });
  let viewSwitch = null;
  const sweep = createSweepView({
    root: document.getElementById("sweep-view"),
    store,
    api,
    Plotly,
    notify,
    currentRequest: () => buildJobRequest(store.get().design),
    // Fork: the member's settings in the designer, to start as a new job of one's own.
    onFork(request, label) {
      applyRequest(request);
      viewSwitch?.show("playground");
      notify.info(t()("sweep.forked", { label }));
    },
    onOpenJob(id) {
      actions.open(id);
      viewSwitch?.show("playground");
      poller.refresh();
    },
  });
  viewSwitch = createViewSwitch({
    root: document.getElementById("view-switch"),
    store,
    views: [
      { id: "playground", label: "view.playground", el: document.getElementById("app") },
      { id: "autograd", label: "view.autograd", el: document.getElementById("autograd-view"), onShow: autograd.show },
      { id: "sweep", label: "view.sweep", el: document.getElementById("sweep-view"), onShow: sweep.show },
    ],
  });
  poller.start();
  document.body.classList.add("ready");
}

// Catalogues (with the job request's schema and the lifecycle table in `system`, and the
// presets: the first design is one) are required; until they load the page shows why and
// offers a retry.
async function loadCatalog(api, store) {
  const main = document.getElementById("app");
  for (;;) {
    try {
      const [layers, datasets, system, presets] = await Promise.all([api.layers(), api.datasets(), api.system(), api.presets()]);
      document.getElementById("boot")?.remove();
      main.hidden = false;
      return { layers, datasets, system, presets };
    } catch (error) {
      const t = store.get().t;
      await new Promise((resolve) => {
        const boot = document.getElementById("boot");
        replaceChildren(
          boot,
          h(
            "div",
            { class: "boot-error", role: "alert", dataset: { testid: "boot-error" } },
            h("h2", { text: t("boot.failedTitle") }),
            h("p", { text: t("boot.failedBody", { message: error.message }) }),
            h("button", { type: "button", class: "btn btn-primary", text: t("common.retry"), onclick: resolve }),
          ),
        );
        setTimeout(resolve, 5000);
      });
    }
  }
}

// Without the chart library the designer still works; charts stay empty.
function plotlyMissing(notify, store) {
  notify.error(store.get().t("boot.noPlotly"));
  const noop = () => Promise.resolve();
  return { react: noop, newPlot: noop, extendTraces: noop, addTraces: noop, relayout: noop, restyle: noop, purge: () => {}, Plots: { resize: noop } };
}

main();
