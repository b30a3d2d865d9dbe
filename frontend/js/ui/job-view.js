// The job being watched: status badge, epoch counter, elapsed time, and the live
// charts, the training doctor's findings beside the layers they name, and the layers'
// distributions over time. Stream events are batched per animation frame, so however fast
// they arrive the page draws at most once per frame.

import { serverText } from "../lib/i18n.js";
import { createLossChart } from "../charts/loss-chart.js";
import { createMetricsChart } from "../charts/metrics-chart.js";
import { clearChart } from "../charts/registry.js";
import { renderSnapshot } from "../charts/snapshots/index.js";
import { mountDistributions } from "../features/distributions.js";
import { mountFindings } from "../features/findings.js";
import { addFindings, historyMarks, layerNamesOf } from "../lib/findings.js";
import { addHistogramSets } from "../lib/histograms.js";
import { createFrameBatcher } from "../lib/frame-batcher.js";
import { emptySummary, epochColumns, latestSnapshot, summarize } from "../lib/job-events.js";
import { formatCount, formatDuration, formatLoss, formatPercent } from "../lib/format.js";
import { describeChange } from "../lib/job-controls.js";
import { openJobStream } from "../lib/stream.js";
import { fieldPath, warningText } from "../lib/validation.js";
import { h, replaceChildren } from "./dom.js";
import { icon } from "./icons.js";
import { createJobTabs } from "./job-tabs.js";
import { createLrFinderResult } from "./lr-finder-result.js";
import { statusBadge } from "./status-badge.js";

// onUnauthorized(): the stream was refused (close 1008, e.g. a wrong token); resolves
// once the page may try again (lib/auth.js asked for a new token).
// headTools: an element for the job's head (who owns it, share, fork), or null.
// onUseLr(lr, {id, status}): the lr the range test suggests for the watched job, to use.
export function createJobView({ root, store, api, Plotly, datasets = [], lifecycle, notify, onJobFinished, onUnauthorized, headTools = null, onUseLr = () => {} }) {
  let t = store.get().t;
  let watching = null; // {id, stream, summary, record, lastSnapshot, snapshotEpoch, findings, histograms}
  let dropNotice = null; // the "connection dropped" toast while reconnecting

  const title = h("h2", { class: "panel-title" });
  const jobName = h("span", { class: "job-name", dataset: { testid: "job-name" } });
  const badgeSlot = h("span", { dataset: { testid: "job-status" } });
  const epochEl = h("span", { class: "stat-value", dataset: { testid: "epoch-counter" } });
  const elapsedEl = h("span", { class: "elapsed", dataset: { testid: "elapsed" } });
  const trainLossEl = h("span", { class: "stat-value", dataset: { testid: "train-loss" } });
  const valLossEl = h("span", { class: "stat-value", dataset: { testid: "val-loss" } });
  const accuracyEl = h("span", { class: "stat-value", dataset: { testid: "accuracy" } });
  const statLabels = { epoch: h("span"), trainLoss: h("span"), valLoss: h("span"), accuracy: h("span") };
  const progress = h("div", { class: "progress" }, h("div", { class: "progress-bar" }));
  const connection = h("div", { class: "connection-note", role: "status", hidden: true, dataset: { testid: "connection-note" } });
  const errorNote = h("div", { class: "job-error", role: "alert", hidden: true, dataset: { testid: "job-error" } });
  const runNote = h("div", { class: "run-note", hidden: true, dataset: { testid: "run-note" } });
  // The plan's warnings on the job's choices (its record): what runs but may surprise.
  const warningsNote = h("ul", { class: "job-warnings", hidden: true, dataset: { testid: "job-warnings" } });
  const logToggle = h("input", { type: "checkbox", id: "log-scale", dataset: { testid: "log-scale" } });
  const logLabel = h("label", { for: "log-scale", class: "toggle" }, logToggle, h("span"));
  const lossTitle = h("h3", { class: "subhead" });
  const metricsTitle = h("h3", { class: "subhead" });
  const snapshotTitle = h("h3", { class: "subhead" });
  const lossPlot = h("div", { class: "plot plot-loss", dataset: { testid: "loss-chart" } });
  const metricsPlot = h("div", { class: "plot plot-metrics", dataset: { testid: "metrics-chart" } });
  const metricsBlock = h("div", { class: "chart-block", hidden: true }, metricsTitle, metricsPlot);
  const snapshotPlot = h("div", { class: "plot plot-snapshot", dataset: { testid: "snapshot-chart" } });
  const snapshotNote = h("p", { class: "chart-note" });
  const emptyState = h("div", { class: "empty-state", dataset: { testid: "job-empty" } });
  const doctorTitle = h("h3", { class: "subhead" });
  const doctorSlot = h("div");
  // The range test of the watched job's network, from its seeded initialisation.
  const jobLrButton = h("button", { type: "button", class: "btn btn-small", dataset: { testid: "job-lr-finder" }, onclick: findJobLr });
  const jobLr = createLrFinderResult({
    Plotly,
    testid: "job-lr-finder-result",
    onUse: (lr) => watching && onUseLr(lr, { id: watching.id, status: watching.summary.status ?? watching.record?.status }),
  });
  const doctorBlock = h(
    "div",
    { class: "chart-block doctor-block", dataset: { testid: "doctor-block" } },
    h("div", { class: "chart-head" }, doctorTitle, jobLrButton),
    doctorSlot,
    jobLr.el,
  );
  const histogramTitle = h("h3", { class: "subhead" });
  const histogramSlot = h("div");
  const histogramBlock = h("div", { class: "chart-block", hidden: true, dataset: { testid: "histogram-block" } }, histogramTitle, histogramSlot);

  const stat = (label, value) => h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), value);
  const livePanel = h(
    "div",
    { class: "live-panel", dataset: { testid: "live-panel" } },
    h(
      "div",
      { class: "stats" },
      stat(statLabels.epoch, epochEl),
      stat(statLabels.trainLoss, trainLossEl),
      stat(statLabels.valLoss, valLossEl),
      stat(statLabels.accuracy, accuracyEl),
    ),
    progress,
    connection,
    errorNote,
    runNote,
    warningsNote,
    doctorBlock,
    h("div", { class: "chart-block" }, h("div", { class: "chart-head" }, lossTitle, logLabel), lossPlot),
    metricsBlock,
    h("div", { class: "chart-block" }, snapshotTitle, snapshotNote, snapshotPlot),
    histogramBlock,
  );
  const tabs = createJobTabs({
    api,
    Plotly,
    datasets,
    lifecycle,
    livePanel,
    onShowLive: () => {
      for (const plot of [lossPlot, metricsPlot, snapshotPlot]) if (plot.classList.contains("js-plotly-plot")) Plotly.Plots.resize(plot);
      distributions?.resize();
    },
  });
  const body = h(
    "div",
    { class: "job-body", hidden: true },
    h("div", { class: "job-head" }, jobName, h("div", { class: "job-head-right" }, headTools, elapsedEl, badgeSlot)),
    tabs.bar,
    livePanel,
    tabs.panel,
  );
  replaceChildren(root, h("div", { class: "panel-head" }, title), emptyState, body);

  const lossChart = createLossChart(lossPlot, { Plotly, t });
  const metricsChart = createMetricsChart(metricsPlot, {
    Plotly,
    t,
    onFirstMetric: () => {
      metricsBlock.hidden = false;
      Plotly.Plots.resize(metricsPlot);
    },
  });
  logToggle.addEventListener("change", () => lossChart.setLog(logToggle.checked));

  // The doctor's views read their strings once: built again for another language.
  let findingsView = null;
  let distributions = null;
  function mountDoctor({ keepChoice = false } = {}) {
    findingsView?.destroy();
    const initial = keepChoice ? (distributions?.selection() ?? null) : null;
    distributions?.destroy();
    const layerNames = layerNamesOf(watching?.record?.request);
    findingsView = mountFindings(doctorSlot, { t, layerNames });
    distributions = mountDistributions(histogramSlot, { Plotly, t, layerNames, followNewest: true, initial });
    findingsView.update(watching?.findings ?? []);
    distributions.update(watching?.histograms ?? []);
  }

  const batcher = createFrameBatcher(draw);

  function draw(events) {
    if (!watching) return;
    const epochBefore = watching.summary.epoch;
    const summary = summarize(watching.summary, events);
    watching.summary = summary;
    const columns = epochColumns(events);
    lossChart.extend(columns);
    // Live changes and the doctor's rewinds, between the epochs they came after.
    for (const mark of historyMarks(events, epochBefore)) lossChart.mark(mark.epoch, markText(mark));
    metricsChart.extend(columns);
    const findings = addFindings(watching.findings, events);
    if (findings !== watching.findings) {
      watching.findings = findings;
      findingsView.update(findings);
    }
    const histograms = addHistogramSets(watching.histograms, events);
    if (histograms !== watching.histograms) {
      watching.histograms = histograms;
      const first = histogramBlock.hidden;
      histogramBlock.hidden = false;
      distributions.update(histograms);
      if (first) distributions.resize();
    }
    const snapshot = latestSnapshot(events);
    if (snapshot) {
      snapshotNote.hidden = true;
      renderSnapshot(snapshotPlot, snapshot, { Plotly, t });
      watching.lastSnapshot = snapshot;
      watching.snapshotEpoch = snapshot.epoch;
      snapshotPlot.dataset.epoch = String(snapshot.epoch);
    }
    if (watching.snapshotEpoch === undefined) {
      // Some jobs have no snapshot kind; say so once it's clear none is coming.
      const every = watching.record?.request?.snapshot_every ?? 1;
      const none = summary.done || summary.epoch > every + 1;
      snapshotNote.textContent = none ? t("chart.noSnapshots") : t("chart.waiting");
    }
    renderHeader();
    store.update((s) => ({ ...s, activeJob: { id: watching.id, summary } }));
    if (summary.done && !watching.reportedDone) {
      watching.reportedDone = true;
      onJobFinished?.(watching.id, summary);
    }
  }

  async function findJobLr() {
    const current = watching;
    if (!current || jobLrButton.disabled) return;
    jobLrButton.disabled = true;
    jobLrButton.textContent = t("checks.running");
    let answer;
    try {
      answer = await api.jobLrFinder(current.id);
    } catch (error) {
      answer = { error: error.message };
    }
    jobLrButton.disabled = false;
    jobLrButton.textContent = t("checks.jobLrFinder");
    if (watching === current) jobLr.show(answer, t);
  }

  function markText(mark) {
    const change = mark.values ? describeChange(mark.values) : "";
    if (mark.rewoundTo === undefined) return change;
    const rewound = mark.rewoundTo ? t("doctor.rewound", { epoch: mark.rewoundTo }) : t("doctor.rewoundStart");
    return change ? `${rewound} · ${change}` : rewound;
  }

  function renderHeader() {
    const w = watching;
    if (!w) return;
    const s = w.summary;
    const status = s.status ?? w.record?.status ?? "queued";
    replaceChildren(badgeSlot, statusBadge(status, t));
    badgeSlot.dataset.status = status;
    jobName.textContent = w.record?.name ?? w.id;
    jobName.title = w.id;
    const epochs = s.epochs ?? w.record?.epochs ?? null;
    epochEl.textContent = epochs ? `${s.epoch} / ${formatCount(epochs)}` : String(s.epoch);
    epochEl.title = epochs ? `${s.epoch} / ${epochs}` : "";
    elapsedEl.textContent = formatDuration(s.elapsed ?? 0);
    elapsedEl.title = t("job.elapsed");
    trainLossEl.textContent = formatLoss(s.trainLoss);
    valLossEl.textContent = formatLoss(s.valLoss);
    accuracyEl.textContent = formatPercent(s.metrics?.accuracy);
    progress.firstChild.style.width = `${epochs ? Math.min(100, (100 * s.epoch) / epochs) : 0}%`;
    progress.dataset.status = status;
    tabs.setJob(w.id, { status, record: w.record, snapshot: w.lastSnapshot, doctor: { findings: w.findings, histograms: w.histograms } });
    const error = s.error ?? w.record?.error;
    errorNote.hidden = !error;
    errorNote.textContent = error ? t("job.failed", { error }) : "";
    const note = s.compiled === true ? t("job.compiled", { seconds: (s.compileS ?? 0).toFixed(1) }) : serverText(t.lang, s.note, s.noteZh);
    runNote.hidden = !note;
    runNote.textContent = note ?? "";
    const warnings = Array.isArray(w.record?.warnings) ? w.record.warnings : [];
    warningsNote.hidden = !warnings.length;
    replaceChildren(
      warningsNote,
      warnings.map((warning) => h("li", { class: "field-warning", text: `${fieldPath(warning.loc ?? [])}: ${warningText(warning, t.lang)}` })),
    );
  }

  function renderChrome() {
    title.textContent = t("job.title");
    statLabels.epoch.textContent = t("job.epoch");
    statLabels.trainLoss.textContent = t("job.trainLoss");
    statLabels.valLoss.textContent = t("job.valLoss");
    statLabels.accuracy.textContent = t("job.accuracy");
    logLabel.lastChild.textContent = t("chart.logScale");
    lossTitle.textContent = t("chart.lossTitle");
    metricsTitle.textContent = t("chart.metricsTitle");
    snapshotTitle.textContent = t("chart.snapshotTitle");
    doctorTitle.textContent = t("doctor.title");
    if (!jobLrButton.disabled) jobLrButton.textContent = t("checks.jobLrFinder");
    jobLrButton.title = t("checks.lrFinderHelp");
    jobLr.relabel(t);
    histogramTitle.textContent = t("histograms.title");
    snapshotNote.textContent = t("chart.waiting");
    replaceChildren(
      emptyState,
      h("div", { class: "empty-icon", "aria-hidden": "true" }, icon("chart", { size: 30 })),
      h("p", { class: "empty-title", text: t("job.emptyTitle") }),
      h("p", { class: "muted", text: t("job.emptyBody") }),
    );
  }

  function showConnection(state) {
    const messages = {
      reconnecting: t("stream.reconnecting", { n: state.attempt }),
      failed: t("stream.failed", { code: state.code ?? "–" }),
    };
    const text = messages[state.state] ?? "";
    connection.hidden = !text;
    connection.textContent = text;
    connection.className = `connection-note ${state.state}`;
    if (state.state === "reconnecting" && state.attempt === 1 && state.delay !== undefined) dropNotice = notify.warn(t("stream.dropped"));
    if (state.state === "live" || state.state === "closed") {
      dropNotice?.close();
      dropNotice = null;
    }
    if (state.state === "failed" && state.code === 1008 && onUnauthorized && watching && !watching.authRetried) {
      // Refused: ask for the token (once per watch) and watch again.
      const id = watching.id;
      watching.authRetried = true;
      connection.hidden = true;
      onUnauthorized().then((ok) => ok && watching?.id === id && watch(id, { authRetried: true }));
      return;
    }
    if (state.state === "failed") notify.error(t("stream.failed", { code: state.code ?? "–" }));
  }

  function stopWatching() {
    watching?.stream.close();
    watching = null;
    batcher.clear();
  }

  function watch(id, { authRetried = false } = {}) {
    stopWatching();
    lossChart.reset();
    metricsChart.reset();
    metricsBlock.hidden = true;
    histogramBlock.hidden = true;
    doctorBlock.hidden = false;
    jobLr.show(null);
    clearChart(snapshotPlot, Plotly);
    delete snapshotPlot.dataset.epoch;
    snapshotNote.hidden = false;
    connection.hidden = true;
    emptyState.hidden = Boolean(id);
    body.hidden = !id;
    if (!id) {
      tabs.setJob(null);
      store.update((s) => ({ ...s, activeJob: null }));
      return;
    }
    const current = {
      id,
      summary: emptySummary(),
      record: store.get().jobs.list.find((job) => job.id === id) ?? null,
      stream: null,
      authRetried,
      findings: [],
      histograms: [],
    };
    watching = current;
    mountDoctor();
    store.update((s) => ({ ...s, activeJob: { id, summary: current.summary } }));
    renderHeader();
    // Let the freshly shown plots take their real size before data arrives.
    requestAnimationFrame(() => {
      for (const plot of [lossPlot, snapshotPlot]) if (plot.classList.contains("js-plotly-plot")) Plotly.Plots.resize(plot);
    });
    api.getJob(id).then(
      (record) => {
        if (watching !== current) return;
        current.record = record;
        // The doctor examines single networks; a GAN's two get no findings.
        doctorBlock.hidden = Boolean(record.request?.model?.generator);
        findingsView.setLayerNames(layerNamesOf(record.request));
        distributions.setLayerNames(layerNamesOf(record.request));
        if (record.request?.dataset?.test_fraction === 0) lossChart.showValidation(false);
        renderHeader();
      },
      (error) => {
        if (watching !== current) return;
        if (error.status === 404) {
          notify.error(t("job.notFound"));
          store.update((s) => ({ ...s, activeJobId: null }));
        }
      },
    );
    current.stream = openJobStream({
      urlFor: (since) => api.streamUrl(id, since),
      protocols: () => api.streamProtocols(),
      onEvents: (events) => batcher.push(...events),
      onState: (state) => watching === current && showConnection(state),
    });
  }

  store.watch(
    (s) => s.t,
    (next) => {
      const changed = t !== next;
      t = next;
      renderChrome();
      tabs.relabel(t);
      if (changed) {
        lossChart.relabel(t);
        metricsChart.relabel(t);
        if (watching?.lastSnapshot) renderSnapshot(snapshotPlot, watching.lastSnapshot, { Plotly, t });
        if (watching) mountDoctor({ keepChoice: true });
        renderHeader();
      }
    },
  );
  store.watch((s) => s.activeJobId, (id) => watch(id));
  // An interrupted job that was resumed: the server dropped the events after its
  // checkpoint and retrains them under new seq numbers, so start over from seq 0.
  const rewatch = (id) => watching?.id === id && watch(id);
  return { stop: stopWatching, rewatch };
}

