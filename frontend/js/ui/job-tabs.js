// The job view's tabs: Live (the stream, owned by job-view.js) · Code · Predict ·
// History · Inside. The feature modules in js/features/ mount lazily when their tab
// opens, and mount again when the job, its trained state or the language changes —
// they read their strings once, so a fresh mount is the simplest relabel.

import { mountCodeTab } from "../features/code-tab.js";
import { mountDistributions } from "../features/distributions.js";
import { mountInternals } from "../features/internals.js";
import { mountPredict, predictInput } from "../features/predict.js";
import { mountScrubber } from "../features/scrubber.js";
import { layerNamesOf } from "../lib/findings.js";
import { renderSnapshot } from "../charts/snapshots/index.js";
import { h, replaceChildren } from "./dom.js";

const TABS = [
  { id: "live", label: "tabs.live" },
  { id: "code", label: "tabs.code", mount: mountCode },
  { id: "predict", label: "tabs.predict", needsTrained: true, mount: mountPredictTab },
  { id: "history", label: "tabs.history", mount: mountHistory },
  { id: "inside", label: "tabs.inside", needsTrained: true, mount: mountInside },
];

// lifecycle: lib/job-controls.js createLifecycle(system.lifecycle); its `trained` statuses
// have final weights, which Predict, Inside and the weight downloads need.
export function createJobTabs({ api, Plotly, datasets, lifecycle, livePanel, onShowLive }) {
  let t = null;
  let job = { id: null, status: null, record: null, snapshot: null, doctor: null };
  let open = "live";
  let mounted = null; // {tab, key, instance}

  const buttons = new Map();
  const bar = h("div", { class: "tabs job-tabs", role: "tablist", dataset: { testid: "job-tabs" } });
  const panel = h("div", { class: "tab-panel", role: "tabpanel", hidden: true, dataset: { testid: "tab-panel" } });
  for (const tab of TABS) {
    const button = h("button", {
      type: "button",
      class: "tab",
      role: "tab",
      dataset: { testid: `tab-${tab.id}`, tab: tab.id },
      onclick: () => select(tab.id),
    });
    buttons.set(tab.id, button);
    bar.append(button);
  }

  function select(id) {
    const wasLive = open === "live";
    open = id;
    render();
    if (id === "live" && !wasLive) onShowLive?.(); // plots drawn while hidden need their size
  }

  function render() {
    for (const tab of TABS) {
      const button = buttons.get(tab.id);
      button.textContent = t(tab.label);
      button.setAttribute("aria-selected", String(tab.id === open));
      button.classList.toggle("active", tab.id === open);
    }
    livePanel.hidden = open !== "live";
    panel.hidden = open === "live";
    const tab = TABS.find((entry) => entry.id === open);
    if (!tab.mount || !job.id) {
      unmount();
      return;
    }
    const trained = lifecycle.trained.has(job.status);
    // Remount only when what the tab shows would change.
    const key = [tab.id, job.id, t.lang, trained, Boolean(job.record?.request)].join("|");
    if (mounted?.key === key) return;
    unmount();
    panel.dataset.tab = tab.id;
    if (tab.needsTrained && !trained) {
      replaceChildren(panel, h("p", { class: "empty-note", dataset: { testid: "tab-untrained" }, text: t("tabs.needsTrained") }));
      mounted = { key, instance: null };
      return;
    }
    const host = h("div", { class: `tab-body tab-${tab.id}` });
    replaceChildren(panel, host);
    mounted = { key, instance: tab.mount(host, { api, Plotly, datasets, lifecycle, job, t }) };
  }

  function unmount() {
    mounted?.instance?.destroy?.();
    mounted = null;
    panel.replaceChildren();
  }

  return {
    bar,
    panel,
    // The job being shown (null: none); its status decides Predict/Inside. doctor: the
    // findings and histogram sets streamed so far ({findings, histograms}).
    setJob(id, { status = null, record = null, snapshot = null, doctor = null } = {}) {
      if (id !== job.id) open = "live";
      job = { id, status, record, snapshot, doctor };
      if (t) render();
      mounted?.instance?.follow?.(snapshot, job); // History keeps up with a running job
    },
    relabel(next) {
      t = next;
      render();
    },
    select,
  };
}

function mountCode(host, { api, lifecycle, job, t }) {
  return mountCodeTab(host, api, { jobId: job.id, weights: lifecycle.allows(job.status, "export_weights"), t });
}

// The scrubbed snapshot, and below it the layers' distributions with that epoch marked.
function mountHistory(host, { api, Plotly, job, t }) {
  const note = h("p", { class: "muted small", text: t("history.help") });
  host.append(note);
  const distributionsHost = h("div", { class: "history-distributions", hidden: true }, h("h3", { class: "subhead", text: t("histograms.title") }));
  let distributions = null;
  const scrubber = mountScrubber(host, api, { jobId: job.id, render: renderSnapshot, context: { Plotly, t }, t, onShow: (epoch) => distributions?.mark(epoch) });
  host.append(distributionsHost);
  distributions = mountDistributions(distributionsHost, { Plotly, t, layerNames: layerNamesOf(job.record?.request) });
  const showHistograms = (sets) => {
    if (!sets?.length) return;
    const first = distributionsHost.hidden;
    distributionsHost.hidden = false;
    distributions.update(sets);
    if (first) distributions.resize();
  };
  showHistograms(job.doctor?.histograms);
  scrubber.ready.then(
    (count) => {
      if (!count) note.textContent = t("history.empty");
    },
    (error) => (note.textContent = t("history.failed", { message: error.message })),
  );
  return {
    follow(snapshot, current) {
      scrubber.follow(snapshot);
      showHistograms(current?.doctor?.histograms);
    },
    destroy() {
      scrubber.destroy();
      distributions.destroy();
    },
  };
}

function mountPredictTab(host, { api, Plotly, datasets, job, t }) {
  // The list's row lacks what planning found out; the full record follows (and remounts this).
  if (!job.record?.request) {
    host.append(h("p", { class: "muted small", text: t("code.loading") }));
    return null;
  }
  const record = job.record;
  const request = record.request;
  const dataset = datasets.find((entry) => entry.name === request.dataset?.name);
  const input = predictInput(record);
  const classifies = request.task === "classification" || request.task === "binary";
  const help = {
    plane: "predict.help.plane",
    draw: classifies ? "predict.help.draw" : "predict.help.drawOutput",
    json: "predict.help.json",
    latent: "predict.help.gan",
  }[input.kind];
  host.append(h("p", { class: "muted small", text: t(help) }));
  return mountPredict(host, api, { jobId: job.id, input, range: planeRange(job.snapshot), normalization: normalizationOf(dataset), Plotly, t });
}

function mountInside(host, { api, Plotly, job, t }) {
  host.append(h("p", { class: "muted small", text: t("internals.help") }));
  const inside = mountInternals(host, api, { jobId: job.id, Plotly, t });
  inside.ready.catch((error) => host.append(h("p", { class: "chart-note", text: error.message })));
  return inside;
}

// The plane the decision boundary was drawn on, else the usual synthetic range.
function planeRange(snapshot) {
  const data = snapshot?.kind === "decision_boundary" ? snapshot.data : null;
  if (data?.xs?.length && data?.ys?.length) return [[data.xs[0], data.xs.at(-1)], [data.ys[0], data.ys.at(-1)]];
  return [[-1.5, 1.5], [-1.5, 1.5]];
}

// Image sets say in /api/datasets how their pixels were scaled, (x in [0, 1] - mean) / std;
// a drawing must be scaled the same way before the model sees it.
export function normalizationOf(dataset) {
  return dataset?.normalization ?? null;
}
