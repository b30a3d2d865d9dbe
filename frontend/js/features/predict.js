// "Predict": query the trained model. 2-D inputs: click on the plane. 1×28×28 images: draw
// on a 28×28 canvas. Anything else: a JSON box, filled with one all-zero row of the job's
// input shape. Class probabilities show as a bar chart (Plotly when the page has it, plain
// bars otherwise).
//
//   mountPredict(container, api, { jobId, input: predictInput(record), range: [[-1.5, 1.5], [-1.5, 1.5]],
//                                  normalization: { mean: 0.1307, std: 0.3081 }, Plotly, t });

import { escapeMarkup } from "../lib/escape.js";
import { formatShape } from "../lib/format.js";
import { h, replaceChildren } from "../ui/dom.js";

const CANVAS = 280; // 10 screen pixels per image pixel
const PLANE = 240;
const PREFILL_MAX = 256; // values in the JSON box's starting row; larger inputs get a hint instead

// What the model takes, from the job record: the input shape planning found (one sample,
// as the model sees it), or for a GAN the generator's latent vector.
// kind: "plane" (2 features) | "draw" (a 28×28 image) | "json" (anything else) | "latent".
export function predictInput(record) {
  const request = record?.request ?? {};
  if (request.task === "gan") return { kind: "latent", shape: [request.model?.latent_dim ?? 1] };
  const shape = Array.isArray(record?.input_shape) ? record.input_shape : [];
  if (shape.length === 1 && shape[0] === 2) return { kind: "plane", shape };
  if (shape.length === 3 && shape[1] === 28 && shape[2] === 28) return { kind: "draw", shape };
  return { kind: "json", shape };
}

// One sample of `shape`, all zeros: [2, 3] → [[0, 0, 0], [0, 0, 0]].
export function zeros(shape) {
  return shape.length ? Array.from({ length: shape[0] }, () => zeros(shape.slice(1))) : 0;
}

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

export function mountPredict(container, api, { jobId, input, range = [[-1.5, 1.5], [-1.5, 1.5]], normalization = null, Plotly = globalThis.Plotly, t }) {
  const inputHost = h("div", { class: "predict-input" });
  const chart = h("div", { class: "predict-chart", dataset: { testid: "predict-probabilities" } });
  const status = h("p", { class: "predict-status", role: "status" });
  const root = h("section", { class: "predict", dataset: { testid: "predict", kind: input.kind } }, inputHost, chart, status);
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
    if (!answer.probabilities) {
      showOutput(chart, answer.outputs[0], t, Plotly);
      status.textContent = "";
      return;
    }
    const p = answer.probabilities[0];
    if (Plotly) {
      Plotly.react(chart, [{ type: "bar", x: answer.classes.map(escapeMarkup), y: p, marker: { color: "#1c7ed6" } }], {
        margin: { l: 48, r: 10, t: 10, b: 40 },
        paper_bgcolor: "rgba(0,0,0,0)",
        font: { size: 11, color: "#495057" },
        yaxis: { range: [0, 1], title: { text: t("predict.probability") } },
        xaxis: { type: "category" },
      }, { displayModeBar: false, responsive: true });
    } else {
      replaceChildren(
        chart,
        answer.classes.map((label, i) => {
          const bar = h("div", { class: "predict-bar", text: `${label}: ${(p[i] * 100).toFixed(1)} %` });
          bar.style.setProperty("--p", p[i]);
          return bar;
        }),
      );
    }
    status.textContent = `${t("predict.predicted")}: ${answer.predicted[0]}`;
  }

  if (input.kind === "plane") planeInput(inputHost, range, (point) => query([point]));
  else if (input.kind === "draw") {
    drawingInput(inputHost, t, (image) => query([input.shape[0] === 1 ? [normalise(image, normalization)] : image]));
  } else jsonInput(inputHost, t, input.shape, (value) => query(value));

  return { query, destroy: () => root.remove() };
}

function planeInput(host, range, onPoint) {
  const canvas = h("canvas", { width: PLANE, height: PLANE, class: "predict-plane", dataset: { testid: "predict-plane" } });
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
  const canvas = h("canvas", { width: CANVAS, height: CANVAS, class: "predict-canvas", dataset: { testid: "predict-canvas" } });
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
  host.append(canvas, h("button", { type: "button", class: "btn btn-small", dataset: { testid: "predict-clear" }, text: t("predict.clear"), onclick: clear }));
}

// A batch of inputs as JSON; it starts as one all-zero sample of the right shape, so
// Predict works at once and shows what to type.
function jsonInput(host, t, shape, onValue) {
  const size = shape.reduce((n, d) => n * d, 1);
  const area = h("textarea", {
    rows: 4,
    spellcheck: "false",
    dataset: { testid: "predict-json" },
    placeholder: `[[…]]  ${formatShape(["n", ...shape])}`,
  });
  if (size <= PREFILL_MAX) area.value = JSON.stringify([zeros(shape)]);
  const run = () => {
    try {
      area.setCustomValidity("");
      onValue(JSON.parse(area.value));
    } catch (error) {
      area.setCustomValidity(error.message);
      area.reportValidity();
    }
  };
  host.append(
    h("p", { class: "muted small", dataset: { testid: "predict-shape" }, text: t("predict.inputShape", { shape: formatShape(["n", ...shape]) }) }),
    area,
    h("button", { type: "button", class: "btn btn-small", dataset: { testid: "predict-run" }, text: t("predict.run"), onclick: run }),
  );
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
    const canvas = h("canvas", { width: image[0].length, height: image.length, class: "predict-output", dataset: { testid: "predict-output" } });
    const ctx = canvas.getContext("2d");
    const data = ctx.createImageData(canvas.width, canvas.height);
    flat.forEach((v, i) => {
      // Outputs already in [0, 1] (a sigmoid) are shown as they are; others are stretched.
      const unit = lo >= 0 && hi <= 1;
      const g = Math.round((unit ? v : (v - lo) / (hi - lo || 1)) * 255);
      data.data.set([g, g, g, 255], i * 4);
    });
    ctx.putImageData(data, 0, 0);
    replaceChildren(chart, h("p", { class: "muted small", text: t("predict.output") }), canvas);
    return;
  }
  const values = Array.isArray(output) ? output.flat(Infinity) : [output];
  if (Plotly && values.length <= 64) {
    replaceChildren(chart);
    Plotly.react(chart, [{ type: "bar", x: values.map((_, i) => i), y: values, marker: { color: "#e8590c" } }], {
      margin: { l: 48, r: 10, t: 10, b: 40 },
      paper_bgcolor: "rgba(0,0,0,0)",
      font: { size: 11, color: "#495057" },
      xaxis: { dtick: 1 },
      yaxis: { title: { text: t("predict.output") } },
    }, { displayModeBar: false, responsive: true });
    return;
  }
  const text = JSON.stringify(output);
  replaceChildren(chart, h("pre", { class: "predict-json", text: text.length > 2000 ? `${text.slice(0, 2000)}…` : text }));
}
