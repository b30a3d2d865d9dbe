import assert from "node:assert/strict";
import { test } from "node:test";

import { controlsFor, describeChange, parseLearningRate } from "../../frontend/js/lib/job-controls.js";

const enabled = (controls) => Object.keys(controls).filter((key) => controls[key]).sort();

test("each status allows only the controls the server accepts", () => {
  assert.deepEqual(enabled(controlsFor("running")), ["change", "pause", "stop"]);
  assert.deepEqual(enabled(controlsFor("paused")), ["change", "resume", "step", "stop"]);
  assert.deepEqual(enabled(controlsFor("queued")), ["stop"]);
  assert.deepEqual(enabled(controlsFor("interrupted")), ["resume"]);
  assert.deepEqual(enabled(controlsFor("interrupted", { done: true })), ["resume"]);
  for (const status of ["completed", "stopped", "failed", null, undefined]) assert.deepEqual(enabled(controlsFor(status)), []);
  assert.deepEqual(enabled(controlsFor("running", { done: true })), []);
});

test("changes read as short text; learning rates must be positive numbers", () => {
  assert.equal(describeChange({ lr: 0.0123456, momentum: 0.9 }), "lr 0.01235, momentum 0.9");
  assert.equal(describeChange(null), "");
  assert.equal(parseLearningRate(" 0.01 "), 0.01);
  assert.equal(parseLearningRate("1e-3"), 0.001);
  for (const bad of ["", "0", "-1", "abc", "Infinity", null]) assert.equal(parseLearningRate(bad), null);
});
