// A 1-D dataset: y against x.

import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "../theme.js";

export function render(el, data, { Plotly, t }) {
  const x = data.x.map((value) => (Array.isArray(value) ? value[0] : value));
  const y = data.y.map((value) => (Array.isArray(value) ? value[0] : value));
  const trace = { type: "scatter", mode: "markers", name: t("chart.data"), x, y, marker: { color: SERIES_COLORS.data, size: 5 } };
  Plotly.react(el, [trace], baseLayout({ showlegend: false, margin: { l: 34, r: 8, t: 8, b: 28 }, xaxis: { title: { text: "x" } }, yaxis: { title: { text: "y" } } }), PLOT_CONFIG);
}
