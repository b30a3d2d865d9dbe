// "Inside the network": each hidden neuron's output over the plane as a small heatmap
// (TensorFlow Playground's thumbnails), a CNN's feature maps for one test image, and every
// layer's weight and gradient norm per epoch (the epoch events' `layer_norms`).
//
//   mountInternals(container, api, { jobId, Plotly, t });

import { escapeMarkup } from "../lib/escape.js";
import { h, replaceChildren } from "../ui/dom.js";

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
  const canvas = h("canvas", { width: cols, height: rows, style: { width: `${size}px`, height: `${size}px`, imageRendering: "pixelated" } });
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

export function mountInternals(container, api, { jobId, Plotly = globalThis.Plotly, t }) {
  const pictures = h("div", { class: "internals-pictures" });
  const normsTitle = h("h3", { class: "subhead internals-norms-title", text: t("internals.norms") });
  const norms = h("div", { class: "internals-norms", dataset: { testid: "internals-norms" } });
  const status = h("p", { class: "internals-status", role: "status" });
  const root = h("section", { class: "internals", dataset: { testid: "internals" } }, pictures, normsTitle, norms, status);
  container.append(root);

  async function load(id = jobId) {
    jobId = id;
    const [epochs, inside] = await Promise.all([api.metrics(id), api.internals(id).catch((error) => ({ error }))]);
    // A layer's name by net and index (a GAN's norms say which net each belongs to).
    const names = {};
    for (const [net, layers] of Object.entries(inside.layers ?? {})) for (const layer of layers) names[`${net}:${layer.index}`] = layer.name;
    const hasNorms = drawNorms(epochs, names);
    replaceChildren(pictures);
    if (inside.error) status.textContent = inside.error.message;
    if (inside.neurons) drawNeurons(inside.neurons);
    if (inside.feature_maps) drawFeatureMaps(inside.feature_maps);
    if (!inside.error && !pictures.childElementCount && !hasNorms) status.textContent = t("internals.nothing");
  }

  function drawNeurons({ layers }) {
    for (const layer of layers) {
      pictures.append(
        h("figure", { class: "internals-layer" }, h("figcaption", { text: `${layer.name} (${layer.total})` }), layer.neurons.map((grid) => heatmap(grid, THUMB))),
      );
    }
  }

  function drawFeatureMaps({ image, layers }) {
    pictures.append(h("figure", {}, h("figcaption", { text: t("internals.input") }), heatmap(image, 84, { diverging: false })));
    for (const layer of layers) {
      pictures.append(
        h(
          "figure",
          { class: "internals-layer" },
          h("figcaption", { text: `${layer.name}: ${layer.maps.length}/${layer.channels}` }),
          layer.maps.map((map) => heatmap(map, THUMB, { diverging: false })),
        ),
      );
    }
  }

  function drawNorms(epochs, names) {
    const series = new Map();
    for (const event of epochs) {
      for (const entry of event.layer_norms ?? []) {
        const net = entry.net ?? "model";
        const name = names[`${net}:${entry.layer}`] ?? `layer ${entry.layer}`;
        const key = entry.net ? `${net} ${name}` : name;
        if (!series.has(key)) series.set(key, { x: [], weight: [], grad: [] });
        const s = series.get(key);
        s.x.push(event.epoch);
        s.weight.push(entry.weight);
        s.grad.push(entry.grad);
      }
    }
    normsTitle.hidden = !series.size;
    norms.hidden = !series.size;
    if (!Plotly || !series.size) return Boolean(series.size);
    const traces = [];
    [...series].forEach(([layer, s]) => {
      const name = escapeMarkup(layer);
      traces.push({ x: s.x, y: s.weight, name: `${name} |W|`, mode: "lines" });
      traces.push({ x: s.x, y: s.grad, name: `${name} |∇|`, mode: "lines", line: { dash: "dot" }, yaxis: "y2" });
    });
    Plotly.react(norms, traces, {
      margin: { l: 56, r: 64, t: 10, b: 44 },
      paper_bgcolor: "rgba(0,0,0,0)",
      font: { size: 11, color: "#495057" },
      legend: { orientation: "h", y: -0.42 },
      xaxis: { title: { text: t("compare.epoch") } },
      yaxis: { title: { text: t("internals.weightNorm") }, automargin: true },
      yaxis2: { title: { text: t("internals.gradNorm") }, overlaying: "y", side: "right", type: "log", automargin: true, exponentformat: "power" },
    }, { responsive: true, displayModeBar: false });
    return true;
  }

  const ready = load();
  return { ready, load, destroy: () => root.remove() };
}
