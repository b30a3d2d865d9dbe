// A few sequences drawn as lines, labelled by their target.

import { baseLayout, classColor, PLOT_CONFIG } from "../theme.js";
import { escapeMarkup } from "../../lib/escape.js";

export function render(el, data, { Plotly, t }) {
  const series = (data.series ?? []).slice(0, 8);
  const traces = series.map((values, i) => ({
    type: "scatter",
    mode: "lines",
    name: data.labels?.[i] !== undefined ? t("chart.label", { label: escapeMarkup(formatLabel(data.labels[i])) }) : `#${i + 1}`,
    y: values.map((value) => (Array.isArray(value) ? value[0] : value)),
    line: { color: classColor(i), width: 1.5 },
  }));
  // Labels can be long floats (forecast targets): they go in the hover, not a legend.
  Plotly.react(el, traces, baseLayout({ showlegend: false, margin: { l: 34, r: 8, t: 8, b: 28 }, xaxis: { title: { text: t("chart.step") } } }), PLOT_CONFIG);
}

function formatLabel(label) {
  return typeof label === "number" && !Number.isInteger(label) ? label.toFixed(3) : String(label);
}
