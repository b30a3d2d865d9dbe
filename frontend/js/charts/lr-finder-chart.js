// The learning-rate range test ({lrs, losses, suggested_lr, min_loss_lr}): smoothed loss
// against a rising lr on a log axis, the suggested rate marked.

import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "./theme.js";

export function drawLrFinder(el, result, { Plotly, t }) {
  const suggested = result.suggested_lr;
  const finite = result.losses.filter((loss) => Number.isFinite(loss));
  const traces = [
    {
      type: "scatter",
      mode: "lines",
      name: t("chart.loss"),
      x: result.lrs,
      y: result.losses,
      line: { color: SERIES_COLORS.train, width: 2 },
      hovertemplate: "lr %{x:.3g}<br>loss %{y:.4g}<extra></extra>",
    },
  ];
  if (Number.isFinite(suggested)) {
    const at = nearestIndex(result.lrs, suggested);
    traces.push({
      type: "scatter",
      mode: "markers",
      name: t("checks.suggested"),
      x: [suggested],
      y: [result.losses[at]],
      marker: { color: "#e8590c", size: 10, symbol: "diamond" },
      hovertemplate: `${t("checks.suggested")} %{x:.3g}<extra></extra>`,
    });
  }
  // A blow-up at the end would squash the useful part of the curve flat.
  const low = Math.min(...finite);
  const start = finite[0] ?? 1;
  const top = Math.max(start, low) + 1.5 * Math.abs(start - low || start || 1);
  const layout = baseLayout({
    showlegend: false,
    margin: { l: 48, r: 12, t: 8, b: 38 },
    xaxis: { title: { text: t("training.lr") }, type: "log", exponentformat: "power" },
    yaxis: { title: { text: t("chart.loss") }, range: finite.length ? [Math.min(low, start) - 0.05 * Math.abs(top - low), top] : undefined },
    shapes: Number.isFinite(suggested)
      ? [{ type: "line", xref: "x", yref: "paper", x0: suggested, x1: suggested, y0: 0, y1: 1, line: { color: "#e8590c", width: 1, dash: "dot" } }]
      : [],
  });
  el.dataset.points = String(result.lrs.length);
  return Plotly.react(el, traces, layout, PLOT_CONFIG);
}

function nearestIndex(values, target) {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) if (Math.abs(Math.log(values[i] / target)) < Math.abs(Math.log(values[best] / target))) best = i;
  return best;
}
