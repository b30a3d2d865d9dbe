// Autoencoder: each held-out input beside the model's output. Images: pairs of tiles
// (input above, output below); rows of numbers: two heatmaps side by side.

import { baseLayout, PLOT_CONFIG } from "../theme.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { imageCanvas, slot } from "./util.js";

export function render(el, data, context) {
  if (data.layout === "image") return renderImages(el, data, context);
  return renderVectors(el, data, context);
}

function renderImages(el, data, { t }) {
  const legend = slot(el, "snap-title", "p");
  legend.textContent = `${t("chart.inputs")} ↑ · ${t("chart.outputs")} ↓`;
  const grid = slot(el, "snap-grid");
  grid.dataset.testid = "snapshot-reconstruction";
  replaceChildren(
    grid,
    (data.inputs ?? []).map((input, i) =>
      h("figure", { class: "snap-cell snap-pair" }, imageCanvas(input), imageCanvas(data.outputs?.[i] ?? [])),
    ),
  );
}

function renderVectors(el, data, { Plotly, t }) {
  const zmin = Math.min(...data.inputs.flat(), ...data.outputs.flat());
  const zmax = Math.max(...data.inputs.flat(), ...data.outputs.flat());
  const heatmap = (z, axis) => ({ type: "heatmap", z, zmin, zmax, colorscale: "RdBu", reversescale: true, showscale: axis === 2, xaxis: `x${axis === 1 ? "" : axis}`, yaxis: "y" });
  Plotly.react(
    el,
    [heatmap(data.inputs, 1), heatmap(data.outputs, 2)],
    baseLayout({
      showlegend: false,
      xaxis: { domain: [0, 0.47], title: { text: t("chart.inputs") }, showgrid: false },
      xaxis2: { domain: [0.53, 1], title: { text: t("chart.outputs") }, showgrid: false, automargin: true },
      yaxis: { autorange: "reversed", showgrid: false },
    }),
    PLOT_CONFIG,
  );
}
