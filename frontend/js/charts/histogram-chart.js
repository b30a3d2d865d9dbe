// A distribution over epochs as a heat strip (lib/histograms.js heatmapMatrix): epochs
// across, values up, each column's shade the share of that epoch's values at that height.
// One epoch can be marked (the scrubbed one, or the newest while a job runs).

import { baseLayout, PLOT_CONFIG } from "./theme.js";

const SCALE = [
  [0, "#ffffff"],
  [0.02, "#e7f0fb"],
  [0.25, "#74a9e6"],
  [0.6, "#1c5fb8"],
  [1, "#0b2a5c"],
];

export function createHistogramChart(el, { Plotly, t: initialT }) {
  let t = initialT;
  let matrix = null;
  let marked = null;

  function layout() {
    return baseLayout({
      showlegend: false,
      margin: { l: 56, r: 12, t: 8, b: 38 },
      // The marked epoch stays in view even where no set was taken (the newest snapshot's).
      xaxis: { title: { text: t("chart.epoch") }, range: xRange() },
      yaxis: { title: { text: t("histograms.value") }, exponentformat: "power" },
      shapes:
        marked === null
          ? []
          : [{ type: "line", xref: "x", yref: "paper", x0: marked, x1: marked, y0: 0, y1: 1, line: { color: "#e8590c", width: 2 } }],
    });
  }

  function xRange() {
    if (!matrix?.xEdges.length) return undefined;
    const [first, last] = [matrix.xEdges[0], matrix.xEdges.at(-1)];
    return marked === null ? [first, last] : [Math.min(first, marked - 0.5), Math.max(last, marked + 0.5)];
  }

  function traces() {
    if (!matrix) return [];
    // Shares are shown through a square root, so the thin tails stay visible beside the bulk.
    const z = matrix.z.map((row) => row.map((share) => Math.sqrt(share)));
    const text = matrix.z.map((row) => row.map((share) => `${(100 * share).toFixed(1)} %`));
    return [
      {
        type: "heatmap",
        x: matrix.xEdges,
        y: matrix.y,
        customdata: matrix.z.map(() => matrix.x),
        z,
        text,
        colorscale: SCALE,
        zmin: 0,
        zmax: 1,
        showscale: false,
        hovertemplate: `${t("chart.epoch")} %{customdata}<br>${t("histograms.value")} %{y:.3g}<br>%{text}<extra></extra>`,
      },
    ];
  }

  function draw(next) {
    matrix = next;
    el.dataset.epochs = String(matrix?.x.length ?? 0);
    el.dataset.lastEpoch = matrix?.x.length ? String(matrix.x.at(-1)) : "";
    Plotly.react(el, traces(), layout(), PLOT_CONFIG);
  }

  function mark(epoch) {
    marked = Number.isFinite(epoch) ? epoch : null;
    el.dataset.marked = marked === null ? "" : String(marked);
    const next = layout();
    Plotly.relayout(el, { shapes: next.shapes, "xaxis.range": next.xaxis.range });
  }

  function relabel(nextT) {
    t = nextT;
    draw(matrix);
  }

  draw(null);
  return { draw, mark, relabel };
}
