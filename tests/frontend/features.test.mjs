import assert from "node:assert/strict";
import { test } from "node:test";

import { extendApi } from "../../frontend/js/features/api-extras.js";
import { highlightPython } from "../../frontend/js/features/code-tab.js";
import { differingRows, settingsRow } from "../../frontend/js/features/compare.js";
import { divergingColor } from "../../frontend/js/features/internals.js";
import { downsample, normalise } from "../../frontend/js/features/predict.js";

test("python highlighting marks tokens and escapes HTML", () => {
  const html = highlightPython('import torch  # a < b\nx = "s" if 1 else None\n');
  assert.match(html, /<span class="tok-keyword">import<\/span>/);
  assert.match(html, /<span class="tok-comment"># a &lt; b<\/span>/);
  assert.match(html, /<span class="tok-string">&#34;s&#34;<\/span>/); // quotes as entities: the same text
  assert.match(html, /<span class="tok-number">1<\/span>/);
  assert.ok(!html.includes("<b"));
});

test("a drawing becomes 28×28 values in [0, 1], then the dataset's normalisation", () => {
  const rgba = new Uint8ClampedArray(280 * 280 * 4);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) rgba[(y * 280 + x) * 4] = 255; // top-left block white
  const image = downsample(rgba);
  assert.equal(image.length, 28);
  assert.equal(image[0].length, 28);
  assert.equal(image[0][0], 1);
  assert.equal(image[0][1], 0);
  assert.equal(normalise(image, { mean: 0.5, std: 0.5 })[0][0], 1);
  assert.equal(normalise(image, null), image);
});

test("compare highlights only the settings that differ", () => {
  const job = (lr, seed) => ({ id: "a", status: "completed", request: { dataset: { name: "spiral" }, model: { layers: [{ type: "Linear", out_features: 2 }] }, optimizer: { type: "Adam", lr }, epochs: 2, seed } });
  const rows = [settingsRow(job(0.1, 0), [{ epoch: 2, train_loss: 0.5 }]), settingsRow(job(0.01, 0), [{ epoch: 2, train_loss: 0.25 }])];
  assert.deepEqual([...differingRows(rows)].sort(), ["optimizer", "train_loss"]);
  assert.equal(rows[0].model, "Linear2");
});

test("diverging colours: white at zero, full colour at the extremes", () => {
  assert.deepEqual(divergingColor(0), [255, 255, 255]);
  assert.deepEqual(divergingColor(1), [28, 126, 214]);
  assert.deepEqual(divergingColor(-2, 2), [240, 140, 0]);
});

test("extended client posts predict; export links carry no token, downloads send it in the header", async () => {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push([url, init]);
    return { ok: true, status: 200, text: async () => JSON.stringify({ outputs: [[1]] }) };
  };
  const api = extendApi({}, { fetch, token: "tok", origin: "http://h" });
  assert.deepEqual(await api.predict("j1", [[0, 0]]), { outputs: [[1]] });
  assert.equal(calls[0][0], "http://h/api/jobs/j1/predict");
  assert.equal(JSON.parse(calls[0][1].body).inputs[0][1], 0);
  assert.equal(calls[0][1].headers.Authorization, "Bearer tok");
  assert.equal(api.exportUrl("j1", "onnx"), "http://h/api/jobs/j1/export?format=onnx");

  const served = [];
  const download = extendApi({}, {
    token: "tok",
    fetch: async (url, init) => {
      served.push([url, init]);
      if (url.includes("onnx")) return new Response(JSON.stringify({ detail: "job j1 is running" }), { status: 409 });
      return new Response(new Uint8Array([1, 2, 3]), { headers: { "Content-Disposition": 'attachment; filename="net.safetensors"' } });
    },
  });
  const { blob, filename } = await download.download("j1", "state_dict");
  assert.equal(filename, "net.safetensors");
  assert.equal(blob.size, 3);
  assert.equal(served[0][0], "/api/jobs/j1/export?format=state_dict");
  assert.equal(served[0][1].headers.Authorization, "Bearer tok");
  await assert.rejects(download.download("j1", "onnx"), (error) => error.status === 409 && /running/.test(error.message));
});

test("a drawing is normalised the way the dataset says it is", async () => {
  const { normalizationOf } = await import("../../frontend/js/ui/job-tabs.js");
  assert.deepEqual(normalizationOf({ normalization: { mean: 0.1307, std: 0.3081 } }), { mean: 0.1307, std: 0.3081 });
  assert.equal(normalizationOf({ normalization: null, description: "normalised with mean 0.5 and std 0.5" }), null);
  assert.equal(normalizationOf(undefined), null);
});
