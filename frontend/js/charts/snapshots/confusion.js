// Classification without a 2-D input: the confusion matrix (rows = true class).

import { baseLayout, PLOT_CONFIG } from "../theme.js";
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
  Plotly.react(
    el,
    [trace],
    baseLayout({
      showlegend: false,
      annotations,
      xaxis: { title: { text: t("chart.predictedClass") }, type: "category" },
      yaxis: { title: { text: t("chart.trueClass") }, type: "category", autorange: "reversed" },
    }),
    PLOT_CONFIG,
  );
}
