// Classification without a 2-D input: the confusion matrix (rows = true class), and for a
// small table (`by_index`) each row's actual class against the model's output by sample
// index, as the tutorials plot it.

import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "../theme.js";
import { escapeMarkup } from "../../lib/escape.js";

export function render(el, data, { Plotly, t }) {
  const classes = data.classes.map(escapeMarkup); // tick labels, annotations' places and hovers
  const matrix = data.matrix;
  const max = Math.max(1, ...matrix.flat());
  const annotations = [];
  matrix.forEach((row, r) =>
    row.forEach((count, c) =>
      annotations.push({
        x: classes[c],
        y: classes[r],
        text: String(count),
        showarrow: false,
        font: { size: classes.length > 6 ? 9 : 12, color: count > max * 0.6 ? "white" : "#343a40" },
      }),
    ),
  );
  const trace = {
    type: "heatmap",
    x: classes,
    y: classes,
    z: matrix,
    colorscale: [[0, "#f8f9fa"], [1, "#1c7ed6"]],
    showscale: false,
    hovertemplate: `${t("chart.trueClass")} %{y} · ${t("chart.predictedClass")} %{x}: %{z}<extra></extra>`,
  };
  const rows = data.by_index;
  const split = rows ? { domain: [0, 0.4] } : {};
  Plotly.react(
    el,
    rows ? [trace, ...byIndexTraces(rows, classes, t)] : [trace],
    baseLayout({
      showlegend: Boolean(rows),
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.12 },
      annotations,
      xaxis: { title: { text: t("chart.predictedClass") }, type: "category", ...split },
      yaxis: { title: { text: t("chart.trueClass") }, type: "category", autorange: "reversed" },
      ...(rows ? byIndexAxes(rows, classes, t) : {}),
    }),
    PLOT_CONFIG,
  );
}

// Binary: the output is the probability of class 1, on [0, 1]; otherwise the predicted class.
const isBinary = (classes) => classes.length === 2;

function byIndexTraces(rows, classes, t) {
  const index = rows.actual.map((_, i) => i);
  const common = { type: "scatter", x: index, xaxis: "x2", yaxis: "y2" };
  return [
    { ...common, mode: "markers", name: t("chart.actual"), y: rows.actual, marker: { color: SERIES_COLORS.data, size: 8 } },
    {
      ...common,
      mode: "lines+markers",
      name: t("chart.predicted"),
      y: rows.predicted,
      line: { color: SERIES_COLORS.prediction, width: 1.5 },
      marker: { color: SERIES_COLORS.prediction, size: 6, symbol: "x" },
    },
  ];
}

function byIndexAxes(rows, classes, t) {
  const yaxis2 = isBinary(classes)
    ? { anchor: "x2", range: [-0.05, 1.05], title: { text: t("chart.outputs") } }
    : { anchor: "x2", tickvals: classes.map((_, i) => i), ticktext: classes, title: { text: t("chart.classAxis") } };
  return { xaxis2: { domain: [0.55, 1], anchor: "y2", title: { text: t("chart.sampleIndex") } }, yaxis2 };
}
