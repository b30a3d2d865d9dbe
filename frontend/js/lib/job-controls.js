// Which job controls a status allows. The server is the judge (409 otherwise);
// this only keeps buttons that cannot work from being pressed.
//
//   running      → pause, stop, change (live learning rate)
//   paused       → resume, step, stop, change
//   queued       → stop
//   interrupted  → resume (restarts from the last checkpoint)

const NONE = Object.freeze({ pause: false, resume: false, step: false, stop: false, change: false });

export function controlsFor(status, { done = false } = {}) {
  if (!status) return NONE;
  if (status === "interrupted") return { ...NONE, resume: true };
  if (done) return NONE;
  switch (status) {
    case "running":
      return { ...NONE, pause: true, stop: true, change: true };
    case "paused":
      return { ...NONE, resume: true, step: true, stop: true, change: true };
    case "queued":
      return { ...NONE, stop: true };
    default:
      return NONE;
  }
}

// A `changed` event's values as short text: "lr 0.01, momentum 0.9".
export function describeChange(values) {
  return Object.entries(values ?? {})
    .map(([name, value]) => `${name} ${typeof value === "number" ? Number(value.toPrecision(4)) : value}`)
    .join(", ");
}

// A learning rate typed by a person: a finite number > 0, else null.
export function parseLearningRate(text) {
  const value = Number(String(text ?? "").trim());
  return String(text ?? "").trim() !== "" && Number.isFinite(value) && value > 0 ? value : null;
}
