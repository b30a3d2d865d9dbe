import assert from "node:assert/strict";
import { test } from "node:test";

import { createLifecycle, describeChange, parseLearningRate } from "../../frontend/js/lib/job-controls.js";
import { LIFECYCLE } from "./fixtures/catalog.mjs";

const enabled = (controls) => Object.keys(controls).filter((key) => controls[key]).sort();
const lifecycle = createLifecycle(LIFECYCLE);

test("each status allows the controls the server's lifecycle table says", () => {
  assert.deepEqual(enabled(lifecycle.controlsFor("running")), ["change", "pause", "step", "stop"]);
  assert.deepEqual(enabled(lifecycle.controlsFor("paused")), ["change", "resume", "step", "stop"]);
  assert.deepEqual(enabled(lifecycle.controlsFor("queued")), ["stop"]);
  assert.deepEqual(enabled(lifecycle.controlsFor("interrupted")), ["resume"]);
  for (const status of ["completed", "stopped", "failed", "nonsense", null, undefined]) assert.deepEqual(enabled(lifecycle.controlsFor(status)), []);
  assert.ok(lifecycle.allows("completed", "predict") && !lifecycle.allows("failed", "export_weights"));
});

test("the sets come from the table, not from the page", () => {
  assert.deepEqual([...lifecycle.active], ["queued", "running", "paused"]);
  assert.deepEqual([...lifecycle.trained], ["completed", "stopped"]);
  assert.ok(lifecycle.terminal.has("interrupted"));
  // Another server's table: another page.
  const other = createLifecycle({
    ...LIFECYCLE,
    active: ["queued", "running"],
    trained: ["completed", "stopped", "failed"],
    actions: { ...LIFECYCLE.actions, running: ["stop"], failed: ["predict"] },
  });
  assert.deepEqual(enabled(other.controlsFor("running")), ["stop"]);
  assert.ok(!other.active.has("paused") && other.trained.has("failed") && other.allows("failed", "predict"));
  assert.deepEqual(enabled(createLifecycle(undefined).controlsFor("running")), []);
});

test("changes read as short text; learning rates must be positive numbers", () => {
  assert.equal(describeChange({ lr: 0.0123456, momentum: 0.9 }), "lr 0.01235, momentum 0.9");
  assert.equal(describeChange(null), "");
  assert.equal(parseLearningRate(" 0.01 "), 0.01);
  assert.equal(parseLearningRate("1e-3"), 0.001);
  for (const bad of ["", "0", "-1", "abc", "Infinity", null]) assert.equal(parseLearningRate(bad), null);
});
