import assert from "node:assert/strict";
import { test } from "node:test";

import { createSeqFilter, emptySummary, epochColumns, latestSnapshot, parseFrame, summarize } from "../../frontend/js/lib/job-events.js";

const epoch = (seq, n, extra = {}) => ({
  seq,
  type: "epoch",
  job_id: "j",
  epoch: n,
  epochs: 10,
  train_loss: 1 / n,
  val_loss: 2 / n,
  metrics: {},
  lr: 0.01,
  elapsed_s: n / 10,
  ...extra,
});

test("events at or below the last seq are dropped", () => {
  const filter = createSeqFilter();
  assert.deepEqual(filter.accept([epoch(1, 1), epoch(2, 2)]).map((e) => e.seq), [1, 2]);
  // A reconnect replays from `since`; an overlapping frame must not duplicate.
  assert.deepEqual(filter.accept([epoch(2, 2), epoch(3, 3)]).map((e) => e.seq), [3]);
  assert.deepEqual(filter.accept([epoch(3, 3)]), []);
  assert.equal(filter.lastSeq, 3);
  assert.deepEqual(filter.accept([null, { type: "epoch" }, epoch(7, 4)]).map((e) => e.seq), [7]);
});

test("a filter resumes from a given seq", () => {
  const filter = createSeqFilter(5);
  assert.deepEqual(filter.accept([epoch(4, 1), epoch(5, 2), epoch(6, 3)]).map((e) => e.seq), [6]);
});

test("frames are JSON arrays; junk is ignored", () => {
  assert.deepEqual(parseFrame(JSON.stringify([epoch(1, 1)])).length, 1);
  assert.deepEqual(parseFrame(JSON.stringify(epoch(1, 1))).length, 1);
  assert.deepEqual(parseFrame("not json"), []);
  assert.deepEqual(parseFrame("[1, {\"type\": \"x\"}]"), []);
});

test("summary follows status, epochs and done", () => {
  const events = [
    { seq: 1, type: "status", status: "running", device: "cpu" },
    epoch(2, 1, { metrics: { accuracy: 0.5 } }),
    epoch(3, 2, { metrics: { accuracy: 0.75 } }),
    { seq: 4, type: "done", status: "completed", error: null },
  ];
  const summary = summarize(emptySummary(), events.slice(0, 3));
  assert.equal(summary.status, "running");
  assert.equal(summary.device, "cpu");
  assert.equal(summary.epoch, 2);
  assert.equal(summary.epochs, 10);
  assert.equal(summary.trainLoss, 0.5);
  assert.deepEqual(summary.metrics, { accuracy: 0.75 });
  const done = summarize(summary, events.slice(3));
  assert.equal(done.status, "completed");
  assert.equal(done.done, true);
  assert.equal(summarize(emptySummary(), [{ seq: 9, type: "done", status: "failed", error: "diverged" }]).error, "diverged");
});

test("summary keeps how the worker trains: compiled step, notes", () => {
  const base = summarize(emptySummary(), [{ seq: 1, type: "status", status: "running", device: "cpu" }]);
  assert.equal(base.compiled, null);
  assert.equal(base.note, null);
  const compiled = summarize(base, [
    { seq: 2, type: "status", status: "running", compiled: true, compile_s: 3.2, note: "compiled" },
    epoch(3, 1),
  ]);
  assert.equal(compiled.compiled, true);
  assert.equal(compiled.compileS, 3.2);
  assert.equal(compiled.device, "cpu"); // a later status without device keeps it
  assert.equal(compiled.status, "running");
  const refused = summarize(base, [{ seq: 2, type: "status", status: "running", compiled: false, note: "not compiled: x" }]);
  assert.equal(refused.compiled, false);
  assert.equal(refused.note, "not compiled: x");
  assert.equal(refused.noteZh, null);
  const paused = summarize(refused, [{ seq: 3, type: "status", status: "paused", note: "paused by the doctor", note_zh: "训练医生暂停了训练" }]);
  assert.deepEqual([paused.note, paused.noteZh], ["paused by the doctor", "训练医生暂停了训练"]);
  const again = summarize(paused, [{ seq: 4, type: "status", status: "running" }]);
  assert.deepEqual([again.note, again.noteZh], ["paused by the doctor", "训练医生暂停了训练"]); // kept until a new note
  const english = summarize(again, [{ seq: 5, type: "status", status: "running", note: "resumed" }]);
  assert.deepEqual([english.note, english.noteZh], ["resumed", null]); // never the old note's Chinese
});

test("epoch columns line up metrics with their epochs", () => {
  const columns = epochColumns([
    epoch(1, 1, { val_loss: null }),
    { seq: 2, type: "snapshot", epoch: 1, kind: "curve", data: {} },
    epoch(3, 2, { metrics: { accuracy: 0.9 }, train_loss: Number.NaN }),
  ]);
  assert.deepEqual(columns.epoch, [1, 2]);
  assert.deepEqual(columns.train, [1, null]);
  assert.deepEqual(columns.val, [null, 1]);
  assert.deepEqual(columns.metrics, { accuracy: { epoch: [2], value: [0.9] } });
});

test("the newest snapshot wins", () => {
  const events = [
    { seq: 1, type: "snapshot", epoch: 1, kind: "curve", data: { a: 1 } },
    epoch(2, 2),
    { seq: 3, type: "snapshot", epoch: 2, kind: "curve", data: { a: 2 } },
    epoch(4, 3),
  ];
  assert.equal(latestSnapshot(events).seq, 3);
  assert.equal(latestSnapshot([epoch(1, 1)]), null);
});
