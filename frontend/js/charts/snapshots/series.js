// Sequence regression (forecasting): above, a few held-out windows with the true and the
// predicted next values; below, forecast against actual over every held-out window.

import { baseLayout, CLASS_COLORS, PLOT_CONFIG, SERIES_COLORS } from "../theme.js";

// Top: EXAMPLES windows; bottom: every held-out window's next value, actual (grey) and
// forecast (dotted).

const EXAMPLES = 4; // more overlapping windows stop being readable

export function render(el, data, { Plotly, t }) {
  const steps = data.window ?? data.examples?.[0]?.input?.length ?? 0;
  const traces = [];
  (data.examples ?? []).slice(0, EXAMPLES).forEach((example, i) => {
    const color = CLASS_COLORS[(i + 1) % CLASS_COLORS.length];
    const after = example.actual.map((_, j) => steps + j);
    traces.push(
      { type: "scatter", mode: "lines", x: example.input.map((_, j) => j), y: example.input, line: { color, width: 1.5 }, name: t("chart.history"), showlegend: i === 0 },
      { type: "scatter", mode: "markers", x: after, y: example.actual, marker: { color, size: 8, symbol: "circle-open", line: { width: 2 } }, name: t("chart.actual"), showlegend: i === 0 },
      { type: "scatter", mode: "markers", x: after, y: example.predicted, marker: { color, size: 8, symbol: "x" }, name: t("chart.forecast"), showlegend: i === 0 },
    );
  });
  const index = (data.actual ?? []).map((_, i) => i);
  traces.push(
    { type: "scatter", mode: "lines", x: index, y: data.actual ?? [], xaxis: "x2", yaxis: "y2", name: t("chart.actual"), line: { color: "#adb5bd", width: 2 }, showlegend: false },
    { type: "scatter", mode: "lines", x: index, y: data.predicted ?? [], xaxis: "x2", yaxis: "y2", name: t("chart.forecast"), line: { color: SERIES_COLORS.prediction, width: 1.5, dash: "dot" }, showlegend: false },
  );
  Plotly.react(
    el,
    traces,
    baseLayout({
      uirevision: "series",
      xaxis: { domain: [0, 1], anchor: "y", title: { text: t("chart.window"), standoff: 2 } },
      yaxis: { domain: [0.56, 1], title: { text: t("chart.value") } },
      xaxis2: { domain: [0, 1], anchor: "y2", gridcolor: "#eef0f3", automargin: true, title: { text: t("chart.seriesAll"), standoff: 2 } },
      yaxis2: { domain: [0, 0.32], gridcolor: "#eef0f3", automargin: true, title: { text: t("chart.value") } },
    }),
    PLOT_CONFIG,
  );
}
