// 2-D points coloured by class (or by value for regression targets).

import { baseLayout, classColor, PLOT_CONFIG, SERIES_COLORS } from "../theme.js";
import { escapeMarkup } from "../../lib/escape.js";

export function render(el, data, { Plotly, t }) {
  const xs = data.x.map((point) => (Array.isArray(point) ? point[0] : point));
  const ys = data.x.map((point) => (Array.isArray(point) ? (point[1] ?? 0) : 0));
  const labels = data.y ?? [];
  const classes = data.classes ?? null;
  const categorical = Boolean(classes) || labels.every((label) => Number.isInteger(label) || typeof label === "string");
  let traces;
  let showlegend = true;
  if (!labels.length) {
    // Unlabelled points (e.g. a GAN's target distribution).
    showlegend = false;
    traces = [{ type: "scatter", mode: "markers", name: t("chart.data"), x: xs, y: ys, marker: { color: SERIES_COLORS.data, size: 5, opacity: 0.7 } }];
  } else if (categorical) {
    const names = classes ?? [...new Set(labels.map(String))].sort();
    traces = names.map((name, index) => {
      const picked = labels.map((label, i) => [label, i]).filter(([label]) => String(label) === String(name) || (classes && Number(label) === index));
      return {
        type: "scatter",
        mode: "markers",
        name: t("chart.class", { name: escapeMarkup(name) }),
        x: picked.map(([, i]) => xs[i]),
        y: picked.map(([, i]) => ys[i]),
        marker: { color: classColor(index), size: 6, line: { color: "white", width: 0.5 } },
      };
    });
  } else {
    showlegend = false;
    traces = [
      {
        type: "scatter",
        mode: "markers",
        name: t("chart.target"),
        x: xs,
        y: ys,
        marker: { color: labels, colorscale: "Viridis", size: 6, colorbar: { thickness: 8, len: 0.8 } },
      },
    ];
  }
  Plotly.react(el, traces, baseLayout({ showlegend, margin: { l: 34, r: 8, t: 8, b: 28 }, xaxis: { title: { text: "x₀" }, constrain: "domain" }, yaxis: { title: { text: "x₁" }, scaleanchor: "x", constrain: "domain" } }), PLOT_CONFIG);
}
