// Number, shape and time formatting shared by the panels and charts.

export function formatShape(shape) {
  if (!Array.isArray(shape)) return "";
  return shape.length === 0 ? "scalar" : shape.join("×");
}

export function formatCount(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "–";
  if (Math.abs(n) < 10_000) return String(n);
  if (Math.abs(n) < 1_000_000) return `${trim(n / 1_000)}k`;
  if (Math.abs(n) < 1_000_000_000) return `${trim(n / 1_000_000)}M`;
  return `${trim(n / 1_000_000_000)}G`;
}

// Megabytes (the server's memory estimates) → "330 MB", "1.5 GB".
export function formatMemory(mb) {
  if (typeof mb !== "number" || !Number.isFinite(mb)) return "–";
  return mb < 1024 ? `${Math.round(mb)} MB` : `${trim(mb / 1024)} GB`;
}

function trim(x) {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1).replace(/\.0$/, "") : x.toFixed(2).replace(/\.?0+$/, "");
}

// Losses span many orders of magnitude: 4 significant digits, exponent when tiny.
export function formatLoss(x) {
  if (x === null || x === undefined) return "–";
  if (typeof x !== "number" || Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs < 1e-3 || abs >= 1e5) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

export function formatPercent(x) {
  if (typeof x !== "number" || !Number.isFinite(x)) return "–";
  return x >= 0.9995 ? "100%" : `${(x * 100).toFixed(1)}%`;
}

export function formatDuration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (v) => String(v).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export function formatTime(iso, locale) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
