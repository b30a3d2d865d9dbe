// Distributions over time: a layer's weights, gradients or activations per epoch, drawn
// as a heat strip (charts/histogram-chart.js), with a layer and a kind to choose. Fed the
// job's histogram sets as they stream in (`update`); `mark(epoch)` marks one epoch (the
// History scrubber's, or the newest while following a running job).
//
//   const dist = mountDistributions(container, { Plotly, t, layerNames: ["Linear", "ReLU"] });
//   dist.update(sets); dist.mark(12);

import { createHistogramChart } from "../charts/histogram-chart.js";
import { heatmapMatrix, histogramChoices } from "../lib/histograms.js";
import { h, replaceChildren } from "../ui/dom.js";

// initial: {layer, kind} to show first (a view built again for another language keeps the reader's choice).
export function mountDistributions(container, { Plotly, t, layerNames: names = [], followNewest = false, initial = null }) {
  let layerNames = names;
  const layerSelect = h("select", { class: "compact-select", dataset: { testid: "histogram-layer" } });
  const kindSelect = h("select", { class: "compact-select", dataset: { testid: "histogram-kind" } });
  const layerLabel = h("label", { class: "inline-label" }, h("span", { text: t("histograms.layer") }), layerSelect);
  const kindLabel = h("label", { class: "inline-label" }, h("span", { text: t("histograms.kind") }), kindSelect);
  const note = h("p", { class: "muted small histogram-note" });
  const plot = h("div", { class: "plot plot-histogram", dataset: { testid: "histogram-chart" } });
  const root = h("div", { class: "distributions", dataset: { testid: "distributions" } }, h("div", { class: "histogram-controls" }, layerLabel, kindLabel), note, plot);
  container.append(root);
  const chart = createHistogramChart(plot, { Plotly, t });
  let sets = [];
  let choices = [];
  let marked = null;

  const layerText = (layer) => `${layer} · ${layerNames[layer] ?? "?"}`;

  let wanted = initial; // the choice to restore once the sets have it

  function renderSelects() {
    const layer = wanted?.layer ?? (layerSelect.value === "" ? null : Number(layerSelect.value));
    const keep = choices.some((choice) => choice.layer === layer) ? layer : firstWithWeights();
    replaceChildren(layerSelect, choices.map((choice) => h("option", { value: String(choice.layer), text: layerText(choice.layer) })));
    if (keep !== null) layerSelect.value = String(keep);
    const kinds = choices.find((choice) => choice.layer === keep)?.kinds ?? [];
    const kind = kinds.includes(wanted?.kind) ? wanted.kind : kinds.includes(kindSelect.value) ? kindSelect.value : kinds[0];
    if (keep === wanted?.layer && kind === wanted?.kind) wanted = null;
    replaceChildren(kindSelect, kinds.map((one) => h("option", { value: one, text: t(`histograms.kind.${one}`) })));
    if (kind) kindSelect.value = kind;
  }

  // The first layer with weights is the usual place to start looking.
  function firstWithWeights() {
    return (choices.find((choice) => choice.kinds.includes("weight")) ?? choices[0])?.layer ?? null;
  }

  function redraw() {
    const layer = Number(layerSelect.value);
    const kind = kindSelect.value;
    const matrix = choices.length ? heatmapMatrix(sets, layer, kind) : null;
    note.textContent = matrix ? t(`histograms.help.${kind}`) : t("histograms.waiting");
    const nonfinite = matrix ? Math.max(...matrix.nonfinite) : 0;
    if (nonfinite) note.textContent += ` ${t("histograms.nonfinite", { n: nonfinite })}`;
    chart.draw(matrix);
    if (marked !== null) chart.mark(marked);
  }

  layerSelect.addEventListener("change", () => {
    wanted = null;
    renderSelects();
    redraw();
  });
  kindSelect.addEventListener("change", () => {
    wanted = null;
    redraw();
  });

  function update(next) {
    if (next === sets) return;
    const grew = next.length !== sets.length;
    sets = next;
    const nextChoices = histogramChoices(sets);
    if (JSON.stringify(nextChoices) !== JSON.stringify(choices)) {
      choices = nextChoices;
      renderSelects();
    }
    if (followNewest && grew && sets.length) marked = sets.at(-1).epoch;
    redraw();
  }

  function mark(epoch) {
    marked = Number.isFinite(epoch) ? epoch : null;
    chart.mark(marked);
  }

  redraw();
  return {
    update,
    mark,
    selection: () => wanted ?? (layerSelect.value === "" ? null : { layer: Number(layerSelect.value), kind: kindSelect.value }),
    setLayerNames(names) {
      layerNames = names;
      renderSelects();
    },
    resize: () => plot.classList.contains("js-plotly-plot") && Plotly.Plots.resize(plot),
    destroy: () => {
      Plotly.purge?.(plot);
      root.remove();
    },
  };
}
