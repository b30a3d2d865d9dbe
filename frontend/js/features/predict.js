// "Predict": query the trained model. 2-D inputs: click on the plane. 1×28×28 images: draw
// on a 28×28 canvas. Anything else: a JSON box. Class probabilities show as a bar chart
// (Plotly when the page has it, plain bars otherwise).
//
//   mountPredict(container, api, { jobId, inputShape: [2], range: [[-1.5, 1.5], [-1.5, 1.5]],
//                                  normalization: { mean: 0.1307, std: 0.3081 }, Plotly });

import { escapeMarkup } from "../lib/escape.js";

const CANVAS = 280; // 10 screen pixels per image pixel
const PLANE = 240;

// A 280×280 drawing (RGBA from getImageData) → 28×28 values in [0, 1] (ink = white), by
// averaging each 10×10 block: what the models were trained on (white strokes on black).
export function downsample(rgba, size = CANVAS, cells = 28) {
  const block = size / cells;
  const out = [];
  for (let r = 0; r < cells; r++) {
    const row = [];
    for (let c = 0; c < cells; c++) {
      let sum = 0;
      for (let y = r * block; y < (r + 1) * block; y++) {
        for (let x = c * block; x < (c + 1) * block; x++) sum += rgba[(y * size + x) * 4] / 255;
      }
      row.push(sum / (block * block));
    }
    out.push(row);
  }
  return out;
}

export function normalise(image, normalization) {
  if (!normalization) return image;
  const { mean = 0, std = 1 } = normalization;
  return image.map((row) => row.map((v) => (v - mean) / std));
}

export function mountPredict(container, api, options = {}) {
  const { jobId, inputShape = [], range = [[-1.5, 1.5], [-1.5, 1.5]], normalization = null, Plotly = globalThis.Plotly } = options;
  const t = options.t ?? ((key, vars) => vars?.fallback ?? key);
  const root = document.createElement("section");
  root.className = "predict";
  root.dataset.testid = "predict";
  const input = document.createElement("div");
  input.className = "predict-input";
  const chart = document.createElement("div");
  chart.className = "predict-chart";
  chart.dataset.testid = "predict-probabilities";
  const status = document.createElement("p");
  status.className = "predict-status";
  status.setAttribute("role", "status");
  root.append(input, chart, status);
  container.append(root);

  async function query(inputs) {
    status.textContent = "";
    try {
      const answer = await api.predict(jobId, inputs);
      show(answer);
      return answer;
    } catch (error) {
      status.textContent = error.message;
      return null;
    }
  }

  function show(answer) {
    if (answer.probabilities) {
      const p = answer.probabilities[0];
      if (Plotly) {
        Plotly.react(chart, [{ type: "bar", x: answer.classes.map(escapeMarkup), y: p, marker: { color: "#1c7ed6" } }], {
          margin: { l: 48, r: 10, t: 10, b: 40 },
          paper_bgcolor: "rgba(0,0,0,0)",
          font: { size: 11, color: "#495057" },
          yaxis: { range: [0, 1], title: { text: t("predict.probability", { fallback: "probability" }) } },
          xaxis: { type: "category" },
        }, { displayModeBar: false, responsive: true });
      } else {
        chart.replaceChildren(
          ...answer.classes.map((label, i) => {
            const bar = document.createElement("div");
            bar.className = "predict-bar";
            bar.style.setProperty("--p", p[i]);
            bar.textContent = `${label}: ${(p[i] * 100).toFixed(1)} %`;
            return bar;
          }),
        );
      }
      status.textContent = `${t("predict.predicted", { fallback: "predicted" })}: ${answer.predicted[0]}`;
    } else {
      showOutput(chart, answer.outputs[0], t, Plotly);
      status.textContent = "";
    }
  }

  if (inputShape.length === 1 && inputShape[0] === 2) planeInput(input, range, (point) => query([point]));
  else if (inputShape.length === 3 && inputShape[1] === 28 && inputShape[2] === 28) {
    drawingInput(input, t, (image) => query([inputShape[0] === 1 ? [normalise(image, normalization)] : image]));
  } else jsonInput(input, t, inputShape, (value) => query(value));

  return { query, destroy: () => root.remove() };
}

function planeInput(host, range, onPoint) {
  const canvas = Object.assign(document.createElement("canvas"), { width: PLANE, height: PLANE });
  canvas.className = "predict-plane";
  canvas.dataset.testid = "predict-plane";
  const ctx = canvas.getContext("2d");
  const [[x0, x1], [y0, y1]] = range;
  const draw = (px, py) => {
    ctx.clearRect(0, 0, PLANE, PLANE);
    ctx.strokeStyle = "#d0d5dd";
    ctx.strokeRect(0.5, 0.5, PLANE - 1, PLANE - 1);
    if (px !== undefined) {
      ctx.fillStyle = "#e8590c";
      ctx.beginPath();
      ctx.arc(px, py, 5, 0, 2 * Math.PI);
      ctx.fill();
    }
  };
  draw();
  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * PLANE;
    const py = ((event.clientY - box.top) / box.height) * PLANE;
    draw(px, py);
    onPoint([x0 + (px / PLANE) * (x1 - x0), y1 - (py / PLANE) * (y1 - y0)]); // y grows upwards
  });
  host.append(canvas);
}

function drawingInput(host, t, onImage) {
  const canvas = Object.assign(document.createElement("canvas"), { width: CANVAS, height: CANVAS });
  canvas.className = "predict-canvas";
  canvas.dataset.testid = "predict-canvas";
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, CANVAS, CANVAS);
  };
  clear();
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 22;
  ctx.lineCap = ctx.lineJoin = "round";
  let drawing = false;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) / box.width) * CANVAS, ((event.clientY - box.top) / box.height) * CANVAS];
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    canvas.setPointerCapture?.(event.pointerId);
    ctx.beginPath();
    ctx.moveTo(...at(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    ctx.lineTo(...at(event));
    ctx.stroke();
  });
  const finish = () => {
    if (!drawing) return;
    drawing = false;
    onImage(downsample(ctx.getImageData(0, 0, CANVAS, CANVAS).data));
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointerleave", finish);
  const reset = document.createElement("button");
  reset.type = "button";
  reset.className = "btn btn-small";
  reset.dataset.testid = "predict-clear";
  reset.textContent = t("predict.clear", { fallback: "Clear" });
  reset.addEventListener("click", clear);
  host.append(canvas, reset);
}

function jsonInput(host, t, inputShape, onValue) {
  const area = document.createElement("textarea");
  area.rows = 4;
  area.placeholder = `[[…]]  shape [n, ${inputShape.join(", ")}]`;
  const run = document.createElement("button");
  run.type = "button";
  run.className = "btn btn-small";
  run.textContent = t("predict.run", { fallback: "Predict" });
  run.addEventListener("click", () => {
    try {
      onValue(JSON.parse(area.value));
    } catch (error) {
      area.setCustomValidity(error.message);
      area.reportValidity();
    }
  });
  host.append(area, run);
}

// Outputs without classes: an image (reconstruction, GAN) as a picture, a short vector as
// bars, anything else as (shortened) JSON.
function showOutput(chart, output, t, Plotly) {
  if (Plotly && chart.classList.contains("js-plotly-plot")) Plotly.purge(chart);
  const depth = (v) => (Array.isArray(v) ? 1 + depth(v[0]) : 0);
  const image = depth(output) === 3 ? output[0] : depth(output) === 2 && output.length > 4 ? output : null;
  if (image) {
    const flat = image.flat();
    const lo = Math.min(...flat);
    const hi = Math.max(...flat);
    const canvas = Object.assign(document.createElement("canvas"), { width: image[0].length, height: image.length });
    canvas.className = "predict-output";
    canvas.dataset.testid = "predict-output";
    const ctx = canvas.getContext("2d");
    const data = ctx.createImageData(canvas.width, canvas.height);
    flat.forEach((v, i) => {
      // Outputs already in [0, 1] (a sigmoid) are shown as they are; others are stretched.
      const unit = lo >= 0 && hi <= 1;
      const g = Math.round((unit ? v : (v - lo) / (hi - lo || 1)) * 255);
      data.data.set([g, g, g, 255], i * 4);
    });
    ctx.putImageData(data, 0, 0);
    const caption = Object.assign(document.createElement("p"), { className: "muted small", textContent: t("predict.output", { fallback: "output" }) });
    chart.replaceChildren(caption, canvas);
    return;
  }
  const values = Array.isArray(output) ? output.flat(Infinity) : [output];
  if (Plotly && values.length <= 64) {
    chart.replaceChildren();
    Plotly.react(chart, [{ type: "bar", x: values.map((_, i) => i), y: values, marker: { color: "#e8590c" } }], {
      margin: { l: 48, r: 10, t: 10, b: 40 },
      paper_bgcolor: "rgba(0,0,0,0)",
      font: { size: 11, color: "#495057" },
      xaxis: { dtick: 1 },
      yaxis: { title: { text: t("predict.output", { fallback: "output" }) } },
    }, { displayModeBar: false, responsive: true });
    return;
  }
  const text = JSON.stringify(output);
  chart.replaceChildren(Object.assign(document.createElement("pre"), { className: "predict-json", textContent: text.length > 2000 ? `${text.slice(0, 2000)}…` : text }));
}
