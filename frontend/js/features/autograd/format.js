// Tensors as short text for the graph and the step panel: 4 significant digits, long
// tensors cut with an ellipsis. The server writes inf/-inf/nan as strings (JSON has none).

const NON_FINITE = { inf: "∞", "-inf": "−∞", nan: "NaN" };

export function formatNumber(x, digits = 4) {
  if (typeof x === "string") return NON_FINITE[x] ?? x;
  if (typeof x !== "number") return "?";
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e5 || abs < 1e-3) return x.toExponential(Math.max(0, digits - 2)).replace("e+", "e");
  return String(Number(x.toPrecision(digits)));
}

// [1, 2, 3] → "[1, 2, 3]"; nested lists likewise; more than `maxItems` per level → "…".
export function formatTensor(value, { maxItems = 4, digits = 4 } = {}) {
  if (value === null || value === undefined) return "–";
  if (!Array.isArray(value)) return formatNumber(value, digits);
  const cut = value.length > maxItems;
  const parts = (cut ? value.slice(0, Math.max(1, maxItems - 1)) : value).map((item) => formatTensor(item, { maxItems, digits }));
  return `[${parts.join(", ")}${cut ? ", …" : ""}]`;
}

// The most detailed text of `value` that fits in `maxChars` (fewer items, then fewer
// digits): edge labels in the graph must fit between two boxes.
export function fitTensor(value, maxChars) {
  const tries = [[4, 4], [3, 4], [3, 3], [2, 3], [2, 2], [1, 2]];
  for (const [maxItems, digits] of tries) {
    const text = formatTensor(value, { maxItems, digits });
    if (text.length <= maxChars) return text;
  }
  return formatTensor(value, { maxItems: 1, digits: 2 });
}

export function formatShape(shape) {
  return Array.isArray(shape) && shape.length ? shape.join("×") : "scalar";
}

// A node's label inside a formula: `y * y` reads as `(y * y)` after ∂; names, calls,
// numbers and lists stay bare.
export function mathLabel(label) {
  const s = String(label);
  if (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return s;
  let depth = 0;
  for (const char of s) {
    if ("([".includes(char)) depth += 1;
    else if (")]".includes(char)) depth -= 1;
    else if (depth === 0 && " +-*/@".includes(char)) return `(${s})`;
  }
  return s;
}
