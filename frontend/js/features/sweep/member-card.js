// One member of a sweep as a small multiple: its live loss curve and its latest snapshot
// (the playground's snapshot charts, smaller), fed by the member's own WebSocket stream.

import { renderSnapshot } from "../../charts/snapshots/index.js";
import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "../../charts/theme.js";
import { escapeMarkup } from "../../lib/escape.js";
import { createFrameBatcher } from "../../lib/frame-batcher.js";
import { epochColumns, latestSnapshot } from "../../lib/job-events.js";
import { openJobStream } from "../../lib/stream.js";
import { h } from "../../ui/dom.js";
import { memberLabel } from "./model.js";

const SNAPSHOT_EVERY_MS = 400; // a dozen heatmaps at 10 per second each would swamp the page

export function createMemberCard({ member, number, api, Plotly, t }) {
  const status = h("span", { class: "sweep-card-status", dataset: { testid: "sweep-card-status" } });
  const epoch = h("span", { class: "sweep-card-epoch" });
  const lossPlot = h("div", { class: "sweep-card-plot", dataset: { testid: "sweep-card-loss", points: "0" } });
  const snapshotPlot = h("div", { class: "sweep-card-plot", dataset: { testid: "sweep-card-snapshot" } });
  const el = h(
    "article",
    { class: "sweep-card", dataset: { testid: "sweep-card", member: member.id, number: String(number) } },
    h(
      "header",
      { class: "sweep-card-head" },
      h("b", { text: `#${number}` }),
      h("span", { class: "sweep-card-label", text: memberLabel(member.values), title: memberLabel(member.values) }),
      status,
      epoch,
    ),
    h("div", { class: "sweep-card-charts" }, lossPlot, snapshotPlot),
  );
  let points = 0;
  let pendingSnapshot = null;
  let snapshotTimer = null;
  let drawn = false;

  function layout() {
    return baseLayout({
      margin: { l: 34, r: 6, t: 4, b: 22 },
      showlegend: false,
      xaxis: { rangemode: "tozero" },
      yaxis: { exponentformat: "power" },
    });
  }

  function ensurePlot() {
    if (drawn) return;
    drawn = true;
    const trace = (name, color) => ({ type: "scatter", mode: "lines", name: escapeMarkup(name), x: [], y: [], line: { color, width: 1.5 } });
    Plotly.newPlot(lossPlot, [trace(t()("chart.trainLoss"), SERIES_COLORS.train), trace(t()("chart.valLoss"), SERIES_COLORS.val)], layout(), PLOT_CONFIG);
  }

  function drawSnapshot() {
    snapshotTimer = null;
    if (!pendingSnapshot) return;
    renderSnapshot(snapshotPlot, { ...pendingSnapshot, data: { ...pendingSnapshot.data, train: null } }, { Plotly, t: t() });
    snapshotPlot.dataset.epoch = String(pendingSnapshot.epoch);
    pendingSnapshot = null;
  }

  const batcher = createFrameBatcher((events) => {
    const columns = epochColumns(events);
    if (columns.epoch.length) {
      ensurePlot();
      Plotly.extendTraces(lossPlot, { x: [columns.epoch, columns.epoch], y: [columns.train, columns.val] }, [0, 1]);
      points += columns.epoch.length;
      lossPlot.dataset.points = String(points);
      const last = events.filter((event) => event.type === "epoch").at(-1);
      epoch.textContent = t()("sweep.epochOf", { epoch: last.epoch, epochs: last.epochs });
    }
    const snapshot = latestSnapshot(events);
    if (snapshot) {
      pendingSnapshot = snapshot;
      if (snapshotTimer === null) snapshotTimer = setTimeout(drawSnapshot, drawn ? SNAPSHOT_EVERY_MS : 0);
    }
    const done = events.findLast((event) => event.type === "status" || event.type === "done");
    if (done) setStatus(done.status);
  });

  function setStatus(value) {
    status.textContent = t()(`status.${value}`);
    status.dataset.status = value;
    el.dataset.status = value;
  }

  setStatus(member.status);
  const stream = openJobStream({
    urlFor: (since) => api.streamUrl(member.id, since),
    protocols: () => api.streamProtocols(),
    onEvents: (events) => batcher.push(...events),
  });

  return {
    el,
    update(summary) {
      // The summary's status is newer than the stream's for members stopped by the rule.
      if (summary.status !== el.dataset.status && ["completed", "stopped", "failed"].includes(summary.status)) setStatus(summary.status);
    },
    resize() {
      for (const plot of [lossPlot, snapshotPlot]) if (plot.classList.contains("js-plotly-plot")) Plotly.Plots.resize(plot);
    },
    destroy() {
      stream.close();
      batcher.clear();
      if (snapshotTimer !== null) clearTimeout(snapshotTimer);
      for (const plot of [lossPlot, snapshotPlot]) if (plot.classList.contains("js-plotly-plot")) Plotly.purge(plot);
      el.remove();
    },
  };
}
