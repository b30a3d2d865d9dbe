import assert from "node:assert/strict";
import { test } from "node:test";

import { escapeMarkup } from "../../frontend/js/lib/escape.js";

test("markup and hover-template syntax come out as entities", () => {
  assert.equal(
    escapeMarkup('<a href="javascript:alert(1)">x</a><b>'),
    "&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;&lt;b&gt;",
  );
  assert.equal(escapeMarkup("it's 100% %{x}"), "it&#39;s 100&#37; &#37;{x}");
  assert.equal(escapeMarkup("a &amp; b"), "a &amp;amp; b"); // an entity typed by a person stays text
});

test("plain names pass unchanged; numbers and nothing become text", () => {
  assert.equal(escapeMarkup("spiral-mlp 蛇"), "spiral-mlp 蛇");
  assert.equal(escapeMarkup(3), "3");
  assert.equal(escapeMarkup(null), "");
  assert.equal(escapeMarkup(undefined), "");
});

test("distinct names stay distinct (categories keep apart)", () => {
  const names = ["<b>", "&lt;b&gt;", "%", "&#37;"];
  assert.equal(new Set(names.map(escapeMarkup)).size, names.length);
});
