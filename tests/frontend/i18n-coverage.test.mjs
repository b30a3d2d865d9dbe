// Every string key the page asks for exists in the English table (and so, by
// i18n.test.mjs, in every table): a missing key would show up raw on the page.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import en from "../../frontend/js/i18n/en.js";
import { HISTOGRAM_KINDS } from "../../frontend/js/lib/histograms.js";
import { JOB_FORM } from "../../frontend/js/lib/job-form.js";
import { NETS } from "../../frontend/js/lib/spec.js";

const root = fileURLToPath(new URL("../../frontend/", import.meta.url));

// The page's modules: everything app.js imports, directly or not.
function pageModules(entry) {
  const seen = new Set();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) queue.push(join(dirname(file), match[1]));
  }
  return [...seen];
}

test("every literal key used in the code is in the table", () => {
  const used = new Set();
  const modules = pageModules(join(root, "js/app.js"));
  assert.ok(modules.length > 40);
  for (const file of modules) {
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/\bt(?:\(\))?\(\s*"([a-zA-Z][\w.-]*)"/g)) used.add(match[1]);
    // Keys handed around as strings: blockers, table headings.
    for (const match of source.matchAll(/"((?:start|jobs)\.[a-zA-Z]+)"/g)) used.add(match[1]);
  }
  for (const match of readFileSync(join(root, "index.html"), "utf8").matchAll(/data-i18n(?:-\w+)?="([^"]+)"/g)) used.add(match[1]);
  const missing = [...used].filter((key) => !(key in en));
  assert.deepEqual(missing, []);
  assert.ok(used.size > 100);
});

test("keys built at run time exist for every value the server and page use", () => {
  const dynamic = [
    ...["queued", "running", "paused", "completed", "stopped", "failed", "interrupted"].map((s) => `status.${s}`),
    ...["regression", "classification", "binary", "reconstruction", "gan"].map((s) => `task.${s}`),
    ...["linear", "activation", "conv", "pool", "norm", "recurrent", "transformer", "shape", "regularization", "block"].map((c) => `category.${c}`),
    ...JOB_FORM.flatMap((entry) => [entry.label, entry.empty].filter(Boolean)),
    ...NETS.gan.flatMap((net) => [`designer.net.${net}`, `start.noLayers.${net}`]),
    // The doctor's finding kinds (the server's FindingKind) and the histogram kinds it sends.
    ...["dead_relu", "saturation", "vanishing_gradient", "exploding_gradient", "stalled", "overfitting", "diverging", "cannot_overfit"].map(
      (kind) => `finding.kind.${kind}`,
    ),
    ...HISTOGRAM_KINDS.flatMap((kind) => [`histograms.kind.${kind}`, `histograms.help.${kind}`]),
    ...JOB_FORM.filter((entry) => entry.choices).flatMap((entry) => [`${entry.label}Help`]),
  ];
  const params = readFileSync(join(root, "js/lib/params.js"), "utf8");
  for (const match of params.matchAll(/code: "(\w+)"/g)) dynamic.push(`error.${match[1]}`);
  assert.deepEqual(dynamic.filter((key) => !(key in en)), []);
});
