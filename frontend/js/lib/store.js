// A tiny observable state container. Components read a snapshot with `get()`,
// change it with `update()`, and `watch()` a slice so they only redraw when
// that slice changes (compared by identity; updates are immutable).

export function createStore(initial) {
  let state = initial;
  const listeners = new Set();

  function get() {
    return state;
  }

  function update(change) {
    const next = typeof change === "function" ? change(state) : { ...state, ...change };
    if (next === state) return;
    const previous = state;
    state = next;
    for (const listener of [...listeners]) listener(state, previous);
  }

  function subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  // Calls `onChange(value, state)` now and whenever `select(state)` changes.
  function watch(select, onChange, { immediate = true, equals = Object.is } = {}) {
    let current = select(state);
    if (immediate) onChange(current, state);
    return subscribe((next) => {
      const value = select(next);
      if (equals(value, current)) return;
      current = value;
      onChange(value, next);
    });
  }

  return { get, update, subscribe, watch };
}

// Immutable update of a nested path: setIn({a: {b: 1}}, ["a", "b"], 2).
export function setIn(object, path, value) {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const base = Array.isArray(object) ? [...object] : { ...(object ?? {}) };
  base[head] = setIn(object?.[head], rest, value);
  return base;
}

// For selectors that return a fresh array of slices: equal when every slice is.
export function shallowEqual(a, b) {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
