import assert from "node:assert/strict";
import { test } from "node:test";

import { formatCount, formatDuration, formatLoss, formatMemory, formatPercent, formatShape } from "../../frontend/js/lib/format.js";

test("shapes, counts, losses and durations", () => {
  assert.equal(formatShape([1, 28, 28]), "1×28×28");
  assert.equal(formatShape([]), "scalar");
  assert.equal(formatShape(null), "");
  assert.deepEqual([354, 12345, 2_500_000, 50_000_000].map(formatCount), ["354", "12.3k", "2.5M", "50M"]);
  assert.equal(formatLoss(0.412345), "0.4123");
  assert.equal(formatLoss(0.0000123), "1.23e-5");
  assert.equal(formatLoss(null), "–");
  assert.equal(formatLoss(Number.NaN), "NaN");
  assert.equal(formatPercent(0.8312), "83.1%");
  assert.equal(formatPercent(1), "100%");
  assert.equal(formatDuration(3.21), "3.2 s");
  assert.equal(formatDuration(75), "1:15");
  assert.equal(formatDuration(3725), "1:02:05");
});

test("memory estimates read in MB, then GB", () => {
  assert.deepEqual([330.4, 1023, 1536, 20_480, null].map(formatMemory), ["330 MB", "1023 MB", "1.5 GB", "20 GB", "–"]);
});
