// The stream's `histograms` events ({epoch, layers: [{layer, activation, weight?, grad?}]},
// each histogram {lo, hi, counts, nonfinite}) → what a distributions chart draws: one column
// per epoch on a value axis shared by every epoch, like TensorBoard's distributions.
//
// Each epoch's histogram has bins of its own (between that epoch's lo and hi); they are
// spread over the shared rows by overlap, as if values were even within a bin, and each
// column is a share of that epoch's finite values, so epochs with more values compare fairly.

export const HISTOGRAM_KINDS = ["weight", "grad", "activation"];
const DEFAULT_ROWS = 48;

// Histogram sets so far plus new events → the sets by epoch (a repeated epoch keeps the newest).
export function addHistogramSets(sets, events) {
  const fresh = (events ?? []).filter((event) => event?.type === "histograms" && Array.isArray(event.layers));
  if (!fresh.length) return sets;
  const byEpoch = new Map(sets.map((set) => [set.epoch, set]));
  for (const event of fresh) byEpoch.set(event.epoch, { epoch: event.epoch, layers: event.layers });
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

// The layers that have histograms, each with the kinds it has ([{layer, kinds}]).
export function histogramChoices(sets) {
  const kinds = new Map();
  for (const set of sets) {
    for (const entry of set.layers) {
      const have = kinds.get(entry.layer) ?? new Set();
      for (const kind of HISTOGRAM_KINDS) if (entry[kind]) have.add(kind);
      kinds.set(entry.layer, have);
    }
  }
  return [...kinds.entries()]
    .sort(([a], [b]) => a - b)
    .map(([layer, have]) => ({ layer, kinds: HISTOGRAM_KINDS.filter((kind) => have.has(kind)) }));
}

// → {x: epochs, y: row centres, z: rows × epochs shares, lo, hi, nonfinite: per epoch}, or
// null when no epoch has that histogram.
export function heatmapMatrix(sets, layer, kind, rows = DEFAULT_ROWS) {
  const columns = [];
  for (const set of sets) {
    const histogram = set.layers.find((entry) => entry.layer === layer)?.[kind];
    if (histogram && Array.isArray(histogram.counts)) columns.push({ epoch: set.epoch, histogram });
  }
  if (!columns.length) return null;
  const finite = columns.map((c) => c.histogram).filter((hist) => Number.isFinite(hist.lo) && Number.isFinite(hist.hi) && total(hist.counts) > 0);
  let lo = Math.min(...finite.map((hist) => hist.lo));
  let hi = Math.max(...finite.map((hist) => hist.hi));
  if (!finite.length) [lo, hi] = [0, 0];
  if (hi <= lo) {
    // One value everywhere (a zero bias, a dead layer's activations): a narrow band around it.
    const pad = Math.abs(lo) * 0.05 || 0.5;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const step = (hi - lo) / rows;
  const y = Array.from({ length: rows }, (_, row) => lo + (row + 0.5) * step);
  const z = Array.from({ length: rows }, () => new Array(columns.length).fill(0));
  columns.forEach(({ histogram }, col) => {
    const column = spread(histogram, lo, step, rows);
    for (let row = 0; row < rows; row += 1) z[row][col] = column[row];
  });
  const x = columns.map((c) => c.epoch);
  return { x, xEdges: columnEdges(x), y, z, lo, hi, nonfinite: columns.map((c) => c.histogram.nonfinite ?? 0) };
}

// Where each epoch's column starts and ends: halfway to its neighbours (sets are not evenly
// spaced: the doctor skips epochs to stay in its budget), half an epoch out at both ends.
export function columnEdges(epochs) {
  if (!epochs.length) return [];
  const mids = epochs.slice(1).map((epoch, i) => (epochs[i] + epoch) / 2);
  return [epochs[0] - 0.5, ...mids, epochs.at(-1) + 0.5];
}

// One histogram's counts over the shared rows, as shares of its finite values.
function spread(histogram, lo, step, rows) {
  const out = new Array(rows).fill(0);
  const counts = histogram.counts;
  const all = total(counts);
  if (!all || !Number.isFinite(histogram.lo) || !Number.isFinite(histogram.hi)) return out;
  const rowOf = (value) => Math.min(rows - 1, Math.max(0, Math.floor((value - lo) / step)));
  const width = (histogram.hi - histogram.lo) / counts.length;
  if (width <= 0) {
    out[rowOf(histogram.lo)] = 1;
    return out;
  }
  counts.forEach((count, bin) => {
    if (!count) return;
    const left = histogram.lo + bin * width;
    const right = left + width;
    const first = rowOf(left);
    const last = rowOf(right - width * 1e-9);
    for (let row = first; row <= last; row += 1) {
      const rowLeft = lo + row * step;
      const overlap = Math.min(right, rowLeft + step) - Math.max(left, rowLeft);
      if (overlap > 0) out[row] += (count * overlap) / width / all;
    }
  });
  return out;
}

function total(counts) {
  return (counts ?? []).reduce((sum, count) => sum + (Number.isFinite(count) ? count : 0), 0);
}
