import assert from "node:assert/strict";
import { test } from "node:test";

import en from "../../frontend/js/i18n/en.js";
import zh from "../../frontend/js/i18n/zh.js";
import { createTranslator, interpolate, pickLanguage } from "../../frontend/js/lib/i18n.js";

const tables = { en, zh };

test("lookup, interpolation and fallback", () => {
  const t = createTranslator({ en: { a: "A {n}", b: "B" }, zh: { a: "甲 {n}" } }, "zh");
  assert.equal(t("a", { n: 3 }), "甲 3");
  assert.equal(t("b"), "B");
  assert.equal(t("missing.key"), "missing.key");
  assert.equal(t.lang, "zh");
  assert.equal(createTranslator({ en: {} }, "fr").lang, "en");
  assert.equal(interpolate("{a} {b}", { a: 1 }), "1 {b}");
});

test("both tables have exactly the same keys and placeholders", () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(en)) {
    assert.deepEqual(placeholders(zh[key]), placeholders(en[key]), key);
    assert.ok(zh[key].trim(), `empty zh string for ${key}`);
  }
});

test("the Chinese table is actually Chinese", () => {
  const han = Object.values(zh).filter((text) => /[\u4e00-\u9fff]/.test(text)).length;
  assert.ok(han / Object.keys(zh).length > 0.8);
});

test("language choice: stored, then browser, then English", () => {
  const available = Object.keys(tables);
  assert.equal(pickLanguage({ stored: "zh", preferred: ["en-US"], available }), "zh");
  assert.equal(pickLanguage({ stored: null, preferred: ["zh-CN", "en"], available }), "zh");
  assert.equal(pickLanguage({ stored: "fr", preferred: ["de"], available }), "en");
});
