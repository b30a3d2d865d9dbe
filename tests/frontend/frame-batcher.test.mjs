import assert from "node:assert/strict";
import { test } from "node:test";

import { createFrameBatcher } from "../../frontend/js/lib/frame-batcher.js";

// A fake clock with animation frames and timers.
function fakeEnvironment() {
  let time = 0;
  const frames = new Map();
  const timers = new Map();
  let next = 0;
  return {
    options: {
      requestFrame: (fn) => (frames.set(++next, fn), next),
      cancelFrame: (handle) => frames.delete(handle),
      setTimer: (fn, ms) => (timers.set(++next, { fn, at: time + ms }), next),
      clearTimer: (handle) => timers.delete(handle),
      now: () => time,
    },
    spend(ms) {
      time += ms;
    },
    advance(ms) {
      time += ms;
      for (const [handle, timer] of [...timers]) {
        if (timer.at <= time) {
          timers.delete(handle);
          timer.fn();
        }
      }
    },
    tick() {
      time += 16;
      const due = [...frames.values()];
      frames.clear();
      for (const fn of due) fn(time);
    },
    get frames() {
      return frames.size;
    },
    get timers() {
      return timers.size;
    },
  };
}

test("many pushes in one frame make one flush", () => {
  const env = fakeEnvironment();
  const flushed = [];
  const batcher = createFrameBatcher((items) => flushed.push(items), env.options);
  for (let i = 0; i < 100; i += 1) batcher.push(i);
  assert.equal(env.frames, 1);
  env.tick();
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0].length, 100);
  env.tick();
  assert.equal(flushed.length, 1);
  batcher.push("a", "b");
  env.tick();
  assert.deepEqual(flushed[1], ["a", "b"]);
});

test("slow drawing leaves the main thread free for as long as it took", () => {
  const env = fakeEnvironment();
  const flushed = [];
  const batcher = createFrameBatcher((items) => {
    flushed.push(items);
    env.spend(100); // this flush takes 100 ms
  }, env.options);
  batcher.push(1);
  env.tick();
  batcher.push(2, 3);
  // Inside the cool-down: no frame yet, a timer instead.
  assert.equal(env.frames, 0);
  assert.equal(env.timers, 1);
  env.advance(50);
  assert.equal(env.frames, 0);
  env.advance(60);
  assert.equal(env.frames, 1);
  env.tick();
  assert.deepEqual(flushed, [[1], [2, 3]]);
});

test("fast drawing flushes every frame", () => {
  const env = fakeEnvironment();
  const flushed = [];
  const batcher = createFrameBatcher((items) => flushed.push(items), env.options);
  batcher.push(1);
  env.tick();
  batcher.push(2);
  assert.equal(env.frames, 1);
  env.tick();
  assert.deepEqual(flushed, [[1], [2]]);
});

test("clear drops pending items", () => {
  const env = fakeEnvironment();
  const flushed = [];
  const batcher = createFrameBatcher((items) => flushed.push(items), env.options);
  batcher.push(1);
  batcher.clear();
  env.tick();
  assert.deepEqual(flushed, []);
  assert.equal(batcher.size, 0);
});
