import assert from "node:assert/strict";
import { test } from "node:test";

import { createStore, setIn, shallowEqual } from "../../frontend/js/lib/store.js";

test("watch fires only when the selected slice changes", () => {
  const store = createStore({ a: { n: 1 }, b: 1 });
  const seen = [];
  store.watch((state) => state.a, (a) => seen.push(a.n));
  store.update({ b: 2 });
  store.update((state) => ({ ...state, a: { n: 2 } }));
  store.update((state) => state);
  assert.deepEqual(seen, [1, 2]);
});

test("setIn copies only the path", () => {
  const object = { a: { b: [1, 2] }, c: {} };
  const next = setIn(object, ["a", "b", 1], 3);
  assert.deepEqual(next, { a: { b: [1, 3] }, c: {} });
  assert.equal(next.c, object.c);
  assert.deepEqual(object.a.b, [1, 2]);
});

test("a listener that updates the store does not make others see stale state", () => {
  const store = createStore({ a: 0, b: 0 });
  const seen = [];
  store.watch((state) => state.a, (a) => a === 1 && store.update({ b: 1 }), { immediate: false });
  store.watch((state) => state.b, (b, state) => seen.push([state.a, b]), { immediate: false });
  store.update({ a: 1 });
  assert.deepEqual(seen, [[1, 1]]);
  assert.deepEqual(store.get(), { a: 1, b: 1 });
});

test("shallowEqual compares slices", () => {
  const x = {};
  assert.equal(shallowEqual([x, 1], [x, 1]), true);
  assert.equal(shallowEqual([x, 1], [{}, 1]), false);
});
