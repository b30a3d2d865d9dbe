// Regression with more than one input: predicted against actual, with y = x.

import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "../theme.js";
import { flatAll } from "./util.js";

export function render(el, data, { Plotly, t }) {
  const actual = flatAll(data.actual);
  const predicted = flatAll(data.predicted);
  const all = [...actual, ...predicted].filter(Number.isFinite);
  const lo = all.length ? Math.min(...all) : 0;
  const hi = all.length ? Math.max(...all) : 1;
  const traces = [
    {
      type: "scatter",
      mode: "lines",
      name: "y = x",
      x: [lo, hi],
      y: [lo, hi],
      line: { color: "#adb5bd", dash: "dash", width: 1.5 },
      hoverinfo: "skip",
    },
    {
      type: "scatter",
      mode: "markers",
      name: t("chart.predictions"),
      x: actual,
      y: predicted,
      marker: { color: SERIES_COLORS.prediction, size: 6, opacity: 0.8 },
    },
  ];
  Plotly.react(
    el,
    traces,
    baseLayout({ xaxis: { title: { text: t("chart.actual") } }, yaxis: { title: { text: t("chart.predicted") } }, uirevision: "scatter" }),
    PLOT_CONFIG,
  );
}
