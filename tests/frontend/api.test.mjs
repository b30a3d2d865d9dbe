import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, createApi, STREAM_PROTOCOL } from "../../frontend/js/lib/api.js";

function fakeFetch(respond) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    return respond(url, init);
  };
  return { fetch, calls };
}

const json = (status, body) => new Response(body === undefined ? null : JSON.stringify(body), { status });

test("the token goes in the Authorization header and the stream's subprotocol, never a URL", async () => {
  const { fetch, calls } = fakeFetch(() => json(200, []));
  const api = createApi({ fetch, token: "s3cret/é" });
  await api.layers();
  assert.equal(calls[0].url, "/api/layers");
  assert.equal(calls[0].init.headers.Authorization, "Bearer s3cret/é");
  assert.equal(api.streamUrl("j 1", 7, { protocol: "https:", host: "h:1" }), "wss://h:1/api/jobs/j%201/stream?since=7");
  const [own, bearer] = api.streamProtocols();
  assert.equal(own, STREAM_PROTOCOL);
  // A subprotocol is an HTTP token: base64url of the UTF-8 bytes, no padding.
  assert.match(bearer, /^bearer\.[A-Za-z0-9_-]+$/);
  assert.equal(Buffer.from(bearer.slice(7), "base64url").toString("utf8"), "s3cret/é");
  assert.deepEqual(createApi({ fetch }).streamProtocols(), [STREAM_PROTOCOL]);
});

test("bodies are JSON and query strings are encoded", async () => {
  const { fetch, calls } = fakeFetch(() => json(201, { id: "x" }));
  const api = createApi({ fetch });
  assert.deepEqual(await api.createJob({ a: 1 }), { id: "x" });
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.body, '{"a":1}');
  assert.equal(calls[0].init.headers.Authorization, undefined);
  await api.preview("spiral", { noise: 0.1 }, 3);
  assert.equal(calls[1].url, "/api/datasets/spiral/preview?params=%7B%22noise%22%3A0.1%7D&seed=3");
});

test("a 422 becomes an ApiError with a readable message", async () => {
  const { fetch } = fakeFetch(() => json(422, { detail: [{ loc: ["model", "layers", 3, "in_features"], msg: "expected 16, got 8" }] }));
  const api = createApi({ fetch });
  await assert.rejects(api.validate({}), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.equal(error.kind, "http");
    assert.equal(error.message, "model.layers[3].in_features: expected 16, got 8");
    assert.equal(error.detail[0].msg, "expected 16, got 8");
    return true;
  });
});

test("network failures and 204s", async () => {
  const down = createApi({ fetch: async () => { throw new TypeError("Failed to fetch"); } });
  await assert.rejects(down.listJobs(), (error) => error.kind === "network");
  const { fetch } = fakeFetch(() => new Response(null, { status: 204 }));
  assert.equal(await createApi({ fetch }).deleteJob("a"), null);
  const text = fakeFetch(() => new Response("Internal Server Error", { status: 500, statusText: "x" }));
  await assert.rejects(createApi({ fetch: text.fetch }).system(), (error) => error.status === 500 && error.message === "Internal Server Error");
  const html = fakeFetch(() => new Response("<!DOCTYPE html><html><body>nope</body></html>", { status: 404, statusText: "Not Found" }));
  await assert.rejects(createApi({ fetch: html.fetch }).layers(), (error) => error.message === "HTTP 404 Not Found");
});

test("the job's tools: predict posts its inputs; export links carry no token, downloads send it in the header", async () => {
  const { fetch, calls } = fakeFetch((url) => {
    if (url.includes("onnx")) return json(409, { detail: "job j1 is running" });
    if (url.includes("state_dict")) return new Response(new Uint8Array([1, 2, 3]), { headers: { "Content-Disposition": 'attachment; filename="net.safetensors"' } });
    if (url.includes("python")) return new Response("import torch\n", { status: 200 });
    return json(200, { outputs: [[1]] });
  });
  const api = createApi({ fetch, token: "tok", origin: "http://h" });
  assert.deepEqual(await api.predict("j1", [[0, 0]]), { outputs: [[1]] });
  assert.equal(calls[0].url, "http://h/api/jobs/j1/predict");
  assert.deepEqual(JSON.parse(calls[0].init.body), { inputs: [[0, 0]] });
  assert.equal(calls[0].init.headers.Authorization, "Bearer tok");
  assert.equal(api.exportUrl("j1", "onnx"), "http://h/api/jobs/j1/export?format=onnx");
  assert.equal(await api.exportText("j1"), "import torch\n");

  const { blob, filename } = await api.download("j1", "state_dict");
  assert.equal(filename, "net.safetensors");
  assert.equal(blob.size, 3);
  assert.equal(calls.at(-1).url, "http://h/api/jobs/j1/export?format=state_dict");
  assert.equal(calls.at(-1).init.headers.Authorization, "Bearer tok");
  await assert.rejects(api.download("j1", "onnx"), (error) => error instanceof ApiError && error.status === 409 && /running/.test(error.message));
  await api.snapshots("j 1", 5);
  assert.equal(calls.at(-1).url, "http://h/api/jobs/j%201/snapshots?limit=5");
});
