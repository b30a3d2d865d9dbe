// Collects items as fast as they arrive and hands them over at most once per
// animation frame, so a burst of stream events costs one chart update.
//
// Drawing is also kept to about `budget` of the main thread: after a flush that
// took d ms the next one waits d·(1−budget)/budget ms. On a fast machine that is
// less than a frame and changes nothing; on a slow one it keeps the page
// responsive and lets incoming messages be read instead of starving them.

export function createFrameBatcher(
  flush,
  {
    requestFrame = (fn) => globalThis.requestAnimationFrame(fn),
    cancelFrame = (handle) => globalThis.cancelAnimationFrame(handle),
    setTimer = (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimer = (handle) => globalThis.clearTimeout(handle),
    now = () => globalThis.performance.now(),
    budget = 0.5,
  } = {},
) {
  let pending = [];
  let frame = null;
  let timer = null;
  let nextAllowed = -Infinity;

  function schedule() {
    if (frame !== null || timer !== null) return;
    const wait = nextAllowed - now();
    if (wait > 0) {
      timer = setTimer(() => {
        timer = null;
        frame = requestFrame(run);
      }, wait);
    } else {
      frame = requestFrame(run);
    }
  }

  function run() {
    frame = null;
    const items = pending;
    pending = [];
    if (!items.length) return;
    const started = now();
    try {
      flush(items);
    } finally {
      const took = now() - started;
      nextAllowed = now() + (took * (1 - budget)) / budget;
    }
  }

  return {
    push(...items) {
      pending.push(...items);
      schedule();
    },
    // Drops anything not yet drawn (e.g. when switching to another job).
    clear() {
      pending = [];
      if (frame !== null) cancelFrame(frame);
      if (timer !== null) clearTimer(timer);
      frame = null;
      timer = null;
      nextAllowed = -Infinity;
    },
    get size() {
      return pending.length;
    },
  };
}
