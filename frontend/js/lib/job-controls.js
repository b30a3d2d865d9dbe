// What a job's status allows, read from the server's lifecycle table (`GET /api/system`
// → `lifecycle`: the statuses, the active / terminal / trained sets, and the actions each
// status allows). The server is the judge (409 otherwise); this only keeps buttons that
// cannot work from being pressed, and tells the page which jobs are still going.

// The job controls the page has buttons for (the table names more: predict, export_weights, delete).
export const CONTROLS = Object.freeze(["pause", "resume", "step", "stop", "change"]);

export function createLifecycle(table) {
  const actions = new Map(Object.entries(table?.actions ?? {}).map(([status, allowed]) => [status, new Set(allowed)]));
  const allows = (status, action) => actions.get(status)?.has(action) ?? false;
  return {
    statuses: [...(table?.statuses ?? [])],
    active: new Set(table?.active ?? []), // queued, running or paused: poll often, count as running
    terminal: new Set(table?.terminal ?? []),
    trained: new Set(table?.trained ?? []), // final weights exist: predict, look inside, export them
    allows,
    // {pause, resume, step, stop, change}: which buttons a job in `status` may press.
    controlsFor: (status) => Object.fromEntries(CONTROLS.map((action) => [action, allows(status, action)])),
  };
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
