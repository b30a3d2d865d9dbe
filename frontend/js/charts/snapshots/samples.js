// GAN: what the generator makes from the same fixed noise every snapshot — points over
// the real data, or a grid of generated images.

import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "../theme.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { imageCanvas, slot } from "./util.js";

export function render(el, data, { Plotly, t }) {
  if (data.layout === "image") {
    const legend = slot(el, "snap-title", "p");
    legend.textContent = t("chart.generated");
    const grid = slot(el, "snap-grid");
    grid.dataset.testid = "snapshot-samples";
    replaceChildren(grid, (data.generated ?? []).map((rows) => h("figure", { class: "snap-cell" }, imageCanvas(rows))));
    return;
  }
  const points = (name, xy, color, extra = {}) => ({
    type: "scatter",
    mode: "markers",
    name,
    x: xy?.x ?? [],
    y: xy?.y ?? [],
    marker: { color, size: 5, opacity: 0.7, ...extra },
  });
  Plotly.react(
    el,
    [points(t("chart.real"), data.real, "#adb5bd"), points(t("chart.generated"), data.generated, SERIES_COLORS.prediction)],
    baseLayout({ uirevision: "samples", yaxis: { scaleanchor: "x" } }),
    PLOT_CONFIG,
  );
}
