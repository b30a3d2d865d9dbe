import assert from "node:assert/strict";
import { test } from "node:test";

import { createTranslator } from "../../frontend/js/lib/i18n.js";
import { findPreset, presetText, usablePresets } from "../../frontend/js/lib/presets.js";

const server = [
  { id: "a", title: { en: "A", zh: "甲" }, note: { en: "n", zh: "注" }, request: { dataset: { name: "x" }, model: { layers: [] } } },
  { id: "b", title: { en: "B" }, request: { dataset: { name: "y" }, model: { generator: {} } } },
];

test("the presets are the server's: the usable ones, found by id", () => {
  assert.deepEqual(usablePresets([...server, { id: "broken" }, null, { request: { dataset: {}, model: {} } }]).map((p) => p.id), ["a", "b"]);
  assert.deepEqual(usablePresets(null), []);
  assert.equal(findPreset("b", server), server[1]);
  assert.equal(findPreset("nope", server), null);
});

test("titles and notes in the page's language, English where there is no translation", () => {
  const zh = createTranslator({ en: {}, zh: {} }, "zh");
  assert.deepEqual(presetText(server[0], zh), { title: "甲", note: "注" });
  assert.deepEqual(presetText(server[1], zh), { title: "B", note: "" });
  assert.deepEqual(presetText({ id: "c" }, zh), { title: "c", note: "" });
});
