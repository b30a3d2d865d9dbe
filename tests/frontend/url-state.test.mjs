import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeHash, encodeHash, fromBase64Url, toBase64Url } from "../../frontend/js/lib/url-state.js";

const design = {
  name: "螺旋 spiral ✓",
  dataset: { name: "spiral", params: { samples: 200, noise: 0.1 }, test_fraction: 0.2 },
  model: { layers: [{ type: "Linear", out_features: 16 }, { type: "Tanh" }, { type: "Linear", out_features: 2 }] },
  optimizer: { type: "Adam", lr: 0.01 },
  epochs: 200,
  batch_size: null,
};

test("design and job round-trip through the hash", () => {
  const hash = encodeHash({ design, job: "abc 1" });
  assert.match(hash, /^#design=[A-Za-z0-9_-]+&job=abc%201$/);
  assert.deepEqual(decodeHash(hash), { design, job: "abc 1" });
  assert.deepEqual(decodeHash(hash.slice(1)), { design, job: "abc 1" });
});

test("empty and damaged hashes decode to nothing", () => {
  assert.equal(encodeHash({}), "");
  assert.deepEqual(decodeHash(""), { design: null, job: null });
  assert.deepEqual(decodeHash("#design=%%%"), { design: null, job: null });
  assert.deepEqual(decodeHash("#design=bm90IGpzb24"), { design: null, job: null });
  assert.deepEqual(decodeHash(`#design=${toBase64Url("[1,2]")}`), { design: null, job: null });
  assert.deepEqual(decodeHash(undefined), { design: null, job: null });
});

test("base64url handles any unicode and large payloads", () => {
  const text = "中文 🚀 ".repeat(20000);
  assert.equal(fromBase64Url(toBase64Url(text)), text);
  assert.doesNotMatch(toBase64Url("??>>"), /[+/=]/);
});
