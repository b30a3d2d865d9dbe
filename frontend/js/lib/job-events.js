// Job stream events ({seq, type, job_id, ...}): de-duplication by `seq`, a summary
// of where a job stands, and per-frame batches for the charts.

// The server replays everything after `since`, so the highest seq seen is exactly
// what a reconnect should ask for, and anything at or below it is a repeat.
export function createSeqFilter(since = 0) {
  let lastSeq = since;
  return {
    accept(events) {
      const fresh = [];
      for (const event of events ?? []) {
        if (!event || typeof event.seq !== "number") continue;
        if (event.seq <= lastSeq) continue;
        lastSeq = event.seq;
        fresh.push(event);
      }
      return fresh;
    },
    get lastSeq() {
      return lastSeq;
    },
  };
}

// Frames are JSON arrays of events; tolerate a lone object too.
export function parseFrame(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const events = Array.isArray(value) ? value : [value];
  return events.filter((event) => event && typeof event === "object" && typeof event.seq === "number");
}

export function emptySummary() {
  return {
    status: null,
    device: null,
    compiled: null, // true / false once the worker says whether torch.compile took the step
    compileS: null,
    note: null, // the worker's note on how it trains (AMP ignored, not compiled, …)
    noteZh: null, // the same in 简体中文
    epoch: 0,
    epochs: null,
    elapsed: null,
    trainLoss: null,
    valLoss: null,
    metrics: {},
    lr: null,
    error: null,
    done: false,
  };
}

export function summarize(summary, events) {
  let next = summary;
  for (const event of events) next = reduceEvent(next, event);
  return next;
}

function reduceEvent(summary, event) {
  switch (event.type) {
    case "status":
      return {
        ...summary,
        status: event.status ?? summary.status,
        device: event.device ?? summary.device,
        compiled: event.compiled ?? summary.compiled,
        compileS: event.compile_s ?? summary.compileS,
        // A new note replaces the old one in both languages (note_zh: 简体中文).
        ...(event.note ? { note: event.note, noteZh: event.note_zh ?? null } : {}),
      };
    case "epoch":
      return {
        ...summary,
        epoch: event.epoch ?? summary.epoch,
        epochs: event.epochs ?? summary.epochs,
        elapsed: event.elapsed_s ?? summary.elapsed,
        trainLoss: event.train_loss ?? null,
        valLoss: event.val_loss ?? null,
        metrics: event.metrics ?? {},
        lr: event.lr ?? summary.lr,
        status: summary.status === null || summary.status === "queued" ? "running" : summary.status,
      };
    case "done":
      return { ...summary, status: event.status ?? summary.status, error: event.error ?? null, done: true };
    default:
      return summary;
  }
}

// Epoch events → columns for Plotly.extendTraces. Metric names are collected as
// they appear so a metric that starts late still lines up with its epochs.
export function epochColumns(events) {
  const columns = { epoch: [], train: [], val: [], metrics: {} };
  for (const event of events) {
    if (event.type !== "epoch") continue;
    columns.epoch.push(event.epoch);
    columns.train.push(finiteOrNull(event.train_loss));
    columns.val.push(finiteOrNull(event.val_loss));
    for (const [name, value] of Object.entries(event.metrics ?? {})) {
      if (typeof value !== "number") continue;
      const series = (columns.metrics[name] ??= { epoch: [], value: [] });
      series.epoch.push(event.epoch);
      series.value.push(finiteOrNull(value));
    }
  }
  return columns;
}

export function latestSnapshot(events) {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    if (events[i].type === "snapshot") return events[i];
  }
  return null;
}

function finiteOrNull(x) {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}
