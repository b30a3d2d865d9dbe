// Dataset preview renderers, keyed by the preview's `kind`. Adding a kind = one
// module + one line here.

import * as curve from "./curve.js";
import * as images from "./images.js";
import * as points from "./points.js";
import * as series from "./series.js";
import * as table from "./table.js";
import { showChart } from "../registry.js";

export const PREVIEW_RENDERERS = { points, curve, images, series, table };

export function renderPreview(el, preview, context) {
  return showChart(el, PREVIEW_RENDERERS, preview?.kind, preview, context);
}
