// Train/validation loss per epoch. Append-only: `extend()` adds a batch of epochs
// with one Plotly.extendTraces call.

import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "./theme.js";
import { escapeMarkup } from "../lib/escape.js";

export function createLossChart(el, { Plotly, t: initialT }) {
  let t = initialT;
  let log = false;

  function traces() {
    return [
      { type: "scatter", mode: "lines", name: t("chart.trainLoss"), x: [], y: [], line: { color: SERIES_COLORS.train, width: 2 } },
      { type: "scatter", mode: "lines", name: t("chart.valLoss"), x: [], y: [], line: { color: SERIES_COLORS.val, width: 2 } },
    ];
  }

  function layout() {
    return baseLayout({
      xaxis: { title: { text: t("chart.epoch") }, rangemode: "tozero" },
      yaxis: { title: { text: t("chart.loss") }, type: log ? "log" : "linear", exponentformat: "power" },
    });
  }

  let marks = []; // live hyperparameter changes: {epoch, text}

  // A dashed vertical line and a small label where a change took effect.
  function markLayout() {
    return {
      shapes: marks.map((mark) => ({
        type: "line",
        xref: "x",
        yref: "paper",
        x0: mark.epoch,
        x1: mark.epoch,
        y0: 0,
        y1: 1,
        line: { color: "#c77700", width: 1, dash: "dot" },
      })),
      // Staggered, so labels of changes a few epochs apart do not print over each other.
      annotations: marks.map((mark, index) => ({
        xref: "x",
        yref: "paper",
        x: mark.epoch,
        y: 1,
        yanchor: "top",
        xanchor: "left",
        xshift: 3,
        yshift: -16 * (index % 3),
        text: escapeMarkup(mark.text),
        bgcolor: "rgba(255, 244, 224, 0.9)",
        showarrow: false,
        font: { size: 10, color: "#c77700" },
      })),
    };
  }

  function reset() {
    marks = [];
    delete el.dataset.marks;
    Plotly.react(el, traces(), layout(), PLOT_CONFIG);
  }

  function mark(epoch, text) {
    marks = [...marks, { epoch, text }];
    el.dataset.marks = String(marks.length);
    Plotly.relayout(el, markLayout());
  }

  function extend(columns) {
    if (!columns.epoch.length) return;
    Plotly.extendTraces(el, { x: [columns.epoch, columns.epoch], y: [columns.train, columns.val] }, [0, 1]);
  }

  // Jobs trained on everything (test_fraction 0) have no validation curve.
  function showValidation(visible) {
    Plotly.restyle(el, { visible, showlegend: visible }, [1]);
  }

  function setLog(value) {
    log = value;
    Plotly.relayout(el, { "yaxis.type": log ? "log" : "linear" });
  }

  function relabel(nextT) {
    t = nextT;
    Plotly.restyle(el, { name: [t("chart.trainLoss"), t("chart.valLoss")] }, [0, 1]);
    Plotly.relayout(el, { "xaxis.title.text": t("chart.epoch"), "yaxis.title.text": t("chart.loss") });
  }

  reset();
  return { reset, extend, setLog, relabel, showValidation, mark };
}
