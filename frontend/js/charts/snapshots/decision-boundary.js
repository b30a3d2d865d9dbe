// 2-D classification: the model's class probabilities over a grid as a heatmap,
// with the training points (filled) and test points (outlined) on top.

import { baseLayout, classColor, PLOT_CONFIG, tint } from "../theme.js";
import { escapeMarkup } from "../../lib/escape.js";

export function render(el, data, { Plotly, t }) {
  const classes = data.classes ?? data.probabilities.map((_, i) => String(i));
  const heatmap = data.probabilities.length <= 2 ? binaryHeatmap(data) : multiClassHeatmap(data, classes);
  const traces = [
    { type: "heatmap", x: data.xs, y: data.ys, hoverinfo: "skip", showscale: false, zsmooth: "fast", ...heatmap },
    ...points(data.train, classes, t, false),
    ...points(data.test, classes, t, true),
  ];
  const layout = baseLayout({
    margin: { l: 36, r: 10, t: 8, b: 30 },
    xaxis: { range: [data.xs[0], data.xs.at(-1)], title: { text: "x₀" }, showgrid: false, zeroline: false, constrain: "domain" },
    yaxis: { range: [data.ys[0], data.ys.at(-1)], title: { text: "x₁" }, showgrid: false, zeroline: false, scaleanchor: "x", constrain: "domain" },
    uirevision: "decision",
  });
  Plotly.react(el, traces, layout, PLOT_CONFIG);
}

// Two classes (or one sigmoid output): P(class 1) from orange through white to blue.
function binaryHeatmap(data) {
  const z = data.probabilities.length === 2 ? data.probabilities[1] : data.probabilities[0];
  return {
    z,
    zmin: 0,
    zmax: 1,
    colorscale: [
      [0, tint(classColor(0), 0.55)],
      [0.5, "rgb(255,255,255)"],
      [1, tint(classColor(1), 0.55)],
    ],
  };
}

// More classes: each cell takes the colour of its most likely class, paler where
// the model is unsure. z encodes class + confidence so one colourscale does both.
function multiClassHeatmap(data, classes) {
  const k = classes.length;
  const rows = data.probabilities[0].length;
  const cols = data.probabilities[0][0].length;
  const z = [];
  for (let r = 0; r < rows; r += 1) {
    const row = [];
    for (let c = 0; c < cols; c += 1) {
      let best = 0;
      for (let j = 1; j < k; j += 1) if (data.probabilities[j][r][c] > data.probabilities[best][r][c]) best = j;
      const confidence = data.probabilities[best][r][c];
      row.push(best + (confidence > 0.75 ? 0.75 : confidence > 0.5 ? 0.5 : 0.25));
    }
    z.push(row);
  }
  const colorscale = [];
  for (let j = 0; j < k; j += 1) {
    for (const [level, amount] of [[0.25, 0.12], [0.5, 0.3], [0.75, 0.5]]) {
      const lo = (j + level - 0.25) / k;
      const hi = (j + level) / k;
      colorscale.push([lo, tint(classColor(j), amount)], [hi, tint(classColor(j), amount)]);
    }
  }
  return { z, zmin: 0, zmax: k, colorscale, zsmooth: false };
}

function points(set, classes, t, isTest) {
  if (!set?.x?.length) return [];
  return classes.map((className, index) => {
    const picked = set.y.map((label, i) => [label, i]).filter(([label]) => Number(label) === index || String(label) === String(className));
    const name = escapeMarkup(className);
    return {
      type: "scatter",
      mode: "markers",
      name: isTest ? t("chart.testClass", { name }) : t("chart.trainClass", { name }),
      legendgroup: isTest ? "test" : "train",
      x: picked.map(([, i]) => set.x[i][0]),
      y: picked.map(([, i]) => set.x[i][1]),
      marker: isTest
        ? { color: "rgba(255,255,255,0.9)", size: 6, line: { color: classColor(index), width: 1.8 } }
        : { color: classColor(index), size: 5.5, line: { color: "white", width: 0.6 } },
      hovertemplate: `${isTest ? "test" : "train"} · ${name}<extra></extra>`,
    };
  });
}
