// The training doctor's side of a job's stream: `finding` events ({kind, layer, epoch,
// evidence, explanation: {en, zh}, suggestion: {en, zh}}) grouped by the layer they name,
// and the rewinds (a `status` event with `rewound_to`, then a `changed` one with the new lr)
// as marks in the loss history.

// Findings so far plus new events → every finding, in the order found (a repeat of the same
// kind on the same layer at the same epoch, as a replay may bring, is kept once).
export function addFindings(findings, events) {
  const fresh = (events ?? []).filter((event) => event?.type === "finding" && typeof event.kind === "string");
  if (!fresh.length) return findings;
  const seen = new Set(findings.map(findingKey));
  const out = [...findings];
  for (const event of fresh) {
    const key = findingKey(event);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(event);
  }
  return out;
}

const findingKey = (finding) => `${finding.kind}|${finding.layer ?? "run"}|${finding.epoch}`;

// → Map(layer index | null → its findings): null holds the findings about the whole run.
export function findingsByLayer(findings) {
  const groups = new Map();
  for (const finding of findings) {
    const layer = Number.isInteger(finding.layer) ? finding.layer : null;
    if (!groups.has(layer)) groups.set(layer, []);
    groups.get(layer).push(finding);
  }
  return groups;
}

// A finding's words in the page's language (English when the server lacks that one).
export function wordsIn(words, lang) {
  if (!words || typeof words !== "object") return "";
  return String(words[lang] ?? words.en ?? "");
}

// The evidence as [name, text] pairs: numbers rounded for reading, the rest as sent.
export function evidenceRows(evidence) {
  return Object.entries(evidence ?? {}).map(([name, value]) => [name, formatEvidence(value)]);
}

function formatEvidence(value) {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    const magnitude = Math.abs(value);
    return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(3)));
  }
  return String(value);
}

// Epoch events before and the new events → loss-chart marks [{epoch, rewoundTo?, values?}]:
// a change applies from the next epoch, so it is marked between the epochs; a rewind and the
// lr change it brings are one mark.
export function historyMarks(events, epochBefore = 0) {
  const marks = [];
  let epoch = epochBefore;
  let rewind = null; // the rewind mark a following change joins
  for (const event of events ?? []) {
    if (event.type === "epoch") {
      epoch = event.epoch;
      rewind = null;
    } else if (event.type === "status" && Number.isInteger(event.rewound_to)) {
      rewind = { epoch: epoch + 0.5, rewoundTo: event.rewound_to };
      marks.push(rewind);
    } else if (event.type === "changed") {
      if (rewind && !rewind.values) rewind.values = event.values;
      else marks.push({ epoch: epoch + 0.5, values: event.values });
      rewind = null;
    }
  }
  return marks;
}

// A job request's top-level layer types by index, as the doctor names layers (a GAN's two
// nets are not examined: none).
export function layerNamesOf(request) {
  const layers = request?.model?.layers;
  return Array.isArray(layers) ? layers.map((layer) => String(layer?.type ?? "?")) : [];
}
