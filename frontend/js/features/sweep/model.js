// The Sweep view's logic, without the page: the form's axes → a `POST /api/sweeps` body,
// the members ranked by a final metric, the best one, and the scatter's points.

// Paths the form suggests for a design: the optimizer's settings, the batch, the seed,
// and each sized layer's width.
export function suggestedPaths(request) {
  const paths = ["optimizer.lr", "optimizer.type", "batch_size", "seed", "epochs", "optimizer.weight_decay"];
  (request?.model?.layers ?? []).forEach((layer, index) => {
    for (const key of ["out_features", "out_channels", "hidden_size", "p"]) {
      if (key in layer) paths.push(`model.layers.${index}.${key}`);
    }
  });
  return paths;
}

// "0.001, 0.01, Adam, [1, 2]" → [0.001, 0.01, "Adam", [1, 2]]: JSON where it parses (numbers,
// true, null, lists), text otherwise. Commas inside brackets stay with their value.
export function parseValues(text) {
  const parts = [];
  let depth = 0;
  let current = "";
  for (const char of String(text ?? "")) {
    if (char === "[" || char === "{") depth += 1;
    if (char === "]" || char === "}") depth -= 1;
    if (char === "," && depth <= 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      try {
        return JSON.parse(part);
      } catch {
        return part;
      }
    });
}

// form: {name, axes: [{path, values: text}], mode, count, rule, atEpochs: text}
// → {body} or {errors: [{row, key}]} (row: the axis row at fault, or null).
export function sweepBody(base, form) {
  const errors = [];
  const axes = {};
  form.axes.forEach((axis, row) => {
    const path = axis.path.trim();
    const values = parseValues(axis.values);
    if (!path && !values.length) return; // an empty row is no axis
    if (!path) errors.push({ row, key: "sweep.error.noPath" });
    else if (path in axes) errors.push({ row, key: "sweep.error.samePath" });
    else if (!values.length) errors.push({ row, key: "sweep.error.noValues" });
    else axes[path] = values;
  });
  if (!Object.keys(axes).length && !errors.length) errors.push({ row: null, key: "sweep.error.noAxes" });
  const body = { name: form.name?.trim() || "sweep", base, axes, mode: form.mode === "random" ? "random" : "grid" };
  if (body.mode === "random") {
    const count = Number(form.count);
    if (!Number.isInteger(count) || count < 1) errors.push({ row: null, key: "sweep.error.count" });
    body.count = count;
  }
  if (form.rule === "median" || form.rule === "halving") {
    const epochs = parseValues(form.atEpochs);
    if (!epochs.length || !epochs.every((e) => Number.isInteger(e) && e > 0)) errors.push({ row: null, key: "sweep.error.atEpochs" });
    body.early_stopping = { rule: form.rule, at_epochs: epochs };
  }
  return errors.length ? { errors } : { body };
}

// The axis row a 422's `loc` (["axes", path, position, …]) points at, or null.
export function rowOfError(loc, form) {
  if (!Array.isArray(loc) || loc[0] !== "axes" || typeof loc[1] !== "string") return null;
  const row = form.axes.findIndex((axis) => axis.path.trim() === loc[1]);
  return row >= 0 ? row : null;
}

export const METRICS = ["train_loss", "val_loss", "accuracy"];
const HIGHER_IS_BETTER = new Set(["accuracy"]);

// A member's final value of a metric (from `GET /api/sweeps/{id}`'s members), or null.
export function finalValue(member, metric) {
  const value = metric === "accuracy" ? member.metrics?.accuracy : member[metric];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

// Table columns: "number", "axis:<path>", a metric, "status", "stopped_by".
function cell(member, column) {
  if (column === "number") return member.number;
  if (column.startsWith("axis:")) return member.values?.[column.slice(5)];
  if (METRICS.includes(column)) return finalValue(member, column);
  return member[column] ?? null;
}

// members numbered 1… in the sweep's order, sorted by `column`; values missing go last
// whichever way, ties keep the sweep's order. `descending` flips the comparison.
export function sortMembers(members, column, descending = false) {
  const numbered = members.map((member, index) => ({ ...member, number: index + 1 }));
  const sign = descending ? -1 : 1;
  return numbered.sort((a, b) => {
    const x = cell(a, column);
    const y = cell(b, column);
    if (x === null || x === undefined) return y === null || y === undefined ? a.number - b.number : 1;
    if (y === null || y === undefined) return -1;
    const order = typeof x === "number" && typeof y === "number" ? x - y : String(JSON.stringify(x)).localeCompare(JSON.stringify(y));
    return order === 0 ? a.number - b.number : sign * order;
  });
}

// A metric's natural order: best first (losses up, accuracy down).
export function bestFirst(metric) {
  return HIGHER_IS_BETTER.has(metric);
}

// The member with the best final value of `metric` (val_loss, else train_loss when the
// jobs have no validation), or null while none has one.
export function bestMember(members, metric = "val_loss") {
  const use = metric === "val_loss" && members.every((m) => finalValue(m, "val_loss") === null) ? "train_loss" : metric;
  const [first] = sortMembers(members, use, bestFirst(use));
  return first && finalValue(first, use) !== null ? first : null;
}

// Scatter of one axis's values against a metric: numbers stay numbers (a log axis when they
// are positive and span 100× or more), anything else becomes a category.
export function scatterPoints(members, path, metric) {
  const points = members
    .map((member, index) => ({ x: member.values?.[path], y: finalValue(member, metric), number: index + 1, id: member.id }))
    .filter((point) => point.y !== null && point.x !== undefined);
  const numeric = points.length > 0 && points.every((point) => typeof point.x === "number");
  if (!numeric) for (const point of points) point.x = typeof point.x === "string" ? point.x : JSON.stringify(point.x);
  const xs = points.map((point) => point.x);
  const log = numeric && xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 100;
  return { points, type: numeric ? (log ? "log" : "linear") : "category" };
}

// `lr=0.01 · out_features=8`: the last step of each path and its value.
export function memberLabel(values) {
  return Object.entries(values ?? {})
    .map(([path, value]) => `${path.split(".").at(-1)}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" · ");
}
