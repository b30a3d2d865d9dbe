// Prediction snapshot renderers, keyed by the snapshot event's `kind`. A new kind
// is one module here plus one line in this table; anything else gets a neutral note.

import * as confusion from "./confusion.js";
import * as curve from "./curve.js";
import * as decisionBoundary from "./decision-boundary.js";
import * as images from "./images.js";
import * as reconstruction from "./reconstruction.js";
import * as samples from "./samples.js";
import * as scatter from "./scatter.js";
import * as series from "./series.js";
import { showChart } from "../registry.js";

export const SNAPSHOT_RENDERERS = {
  curve,
  decision_boundary: decisionBoundary,
  scatter,
  confusion,
  images,
  reconstruction,
  samples,
  series,
};

export function renderSnapshot(el, snapshot, context) {
  return showChart(el, SNAPSHOT_RENDERERS, snapshot.kind, snapshot.data, context);
}
