// "Inside the network": each hidden neuron's output over the plane as a small heatmap
// (TensorFlow Playground's thumbnails), a CNN's feature maps for one test image, and every
// layer's weight and gradient norm per epoch (the epoch events' `layer_norms`).
//
//   mountInternals(container, api, { jobId, Plotly });

import { escapeMarkup } from "../lib/escape.js";

const THUMB = 48; // px per neuron thumbnail

// Value → colour: TF Playground's orange (negative) / white / blue (positive).
export function divergingColor(v, scale = 1) {
  const x = Math.max(-1, Math.min(1, v / (scale || 1)));
  const [r, g, b] = x < 0 ? [240, 140, 0] : [28, 126, 214];
  const a = Math.abs(x);
  return [Math.round(255 + (r - 255) * a), Math.round(255 + (g - 255) * a), Math.round(255 + (b - 255) * a)];
}

function heatmap(values, size, { diverging = true } = {}) {
  const rows = values.length;
  const cols = values[0].length;
  const canvas = Object.assign(document.createElement("canvas"), { width: cols, height: rows });
  canvas.style.width = canvas.style.height = `${size}px`;
  canvas.style.imageRendering = "pixelated";
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  const flat = values.flat();
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  values.forEach((row, r) =>
    row.forEach((v, c) => {
      // The grid's first row is the lowest y: draw it at the bottom.
      const y = diverging ? rows - 1 - r : r;
      const [R, G, B] = diverging ? divergingColor(v, scale) : Array(3).fill(Math.round(((v - lo) / (hi - lo || 1)) * 255));
      image.data.set([R, G, B, 255], (y * cols + c) * 4);
    }),
  );
  ctx.putImageData(image, 0, 0);
  return canvas;
}

export function mountInternals(container, api, { jobId, Plotly = globalThis.Plotly, t = (k, v) => v?.fallback ?? k }) {
  const root = document.createElement("section");
  root.className = "internals";
  root.dataset.testid = "internals";
  root.innerHTML = `<div class="internals-pictures"></div><h3 class="subhead internals-norms-title"></h3><div class="internals-norms" data-testid="internals-norms"></div><p class="internals-status" role="status"></p>`;
  root.querySelector(".internals-norms-title").textContent = t("internals.norms", { fallback: "Weight and gradient norms per layer" });
  container.append(root);
  const pictures = root.querySelector(".internals-pictures");
  const status = root.querySelector(".internals-status");

  async function load(id = jobId) {
    jobId = id;
    const [epochs, inside] = await Promise.all([api.metrics(id), api.internals(id).catch((error) => ({ error }))]);
    const names = Object.fromEntries((inside.layers?.model ?? []).map((layer) => [layer.index, layer.name]));
    const hasNorms = drawNorms(epochs, names);
    pictures.replaceChildren();
    if (inside.error) status.textContent = inside.error.message;
    if (inside.neurons) drawNeurons(inside.neurons);
    if (inside.feature_maps) drawFeatureMaps(inside.feature_maps);
    if (!inside.error && !pictures.childElementCount && !hasNorms) {
      status.textContent = t("internals.nothing", { fallback: "Nothing to show inside this network yet." });
    }
  }

  function drawNeurons({ layers }) {
    for (const layer of layers) {
      const column = document.createElement("figure");
      column.className = "internals-layer";
      column.append(Object.assign(document.createElement("figcaption"), { textContent: `${layer.name} (${layer.total})` }));
      layer.neurons.forEach((grid) => column.append(heatmap(grid, THUMB)));
      pictures.append(column);
    }
  }

  function drawFeatureMaps({ image, layers }) {
    const input = document.createElement("figure");
    input.append(Object.assign(document.createElement("figcaption"), { textContent: t("internals.input", { fallback: "input" }) }), heatmap(image, 84, { diverging: false }));
    pictures.append(input);
    for (const layer of layers) {
      const row = document.createElement("figure");
      row.className = "internals-layer";
      row.append(Object.assign(document.createElement("figcaption"), { textContent: `${layer.name}: ${layer.maps.length}/${layer.channels}` }));
      layer.maps.forEach((map) => row.append(heatmap(map, THUMB, { diverging: false })));
      pictures.append(row);
    }
  }

  function drawNorms(epochs, names) {
    const series = new Map();
    for (const event of epochs) {
      for (const entry of event.layer_norms ?? []) {
        const key = names[entry.layer] ?? `layer ${entry.layer}`;
        if (!series.has(key)) series.set(key, { x: [], weight: [], grad: [] });
        const s = series.get(key);
        s.x.push(event.epoch);
        s.weight.push(entry.weight);
        s.grad.push(entry.grad);
      }
    }
    root.querySelector(".internals-norms-title").hidden = !series.size;
    root.querySelector(".internals-norms").hidden = !series.size;
    if (!Plotly || !series.size) return Boolean(series.size);
    const traces = [];
    [...series].forEach(([layer, s]) => {
      const name = escapeMarkup(layer);
      traces.push({ x: s.x, y: s.weight, name: `${name} |W|`, mode: "lines" });
      traces.push({ x: s.x, y: s.grad, name: `${name} |∇|`, mode: "lines", line: { dash: "dot" }, yaxis: "y2" });
    });
    Plotly.react(root.querySelector(".internals-norms"), traces, {
      margin: { l: 56, r: 64, t: 10, b: 44 },
      paper_bgcolor: "rgba(0,0,0,0)",
      font: { size: 11, color: "#495057" },
      legend: { orientation: "h", y: -0.42 },
      xaxis: { title: { text: t("compare.epoch", { fallback: "epoch" }) } },
      yaxis: { title: { text: t("internals.weightNorm", { fallback: "weight norm" }) }, automargin: true },
      yaxis2: { title: { text: t("internals.gradNorm", { fallback: "gradient norm" }) }, overlaying: "y", side: "right", type: "log", automargin: true, exponentformat: "power" },
    }, { responsive: true, displayModeBar: false });
    return true;
  }

  const ready = load();
  return { ready, load, destroy: () => root.remove() };
}
