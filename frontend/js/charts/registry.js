// Shared dispatch for chart registries: picks the renderer for a `kind`, clears
// the container when the kind changes (a Plotly plot and a canvas grid can't
// share a div), and shows a neutral note for kinds without a renderer.

import { h, replaceChildren } from "../ui/dom.js";

export function showChart(el, renderers, kind, data, context) {
  const renderer = Object.hasOwn(renderers, kind) ? renderers[kind] : null;
  if (el.dataset.kind !== String(kind)) {
    clearChart(el, context.Plotly);
    el.dataset.kind = String(kind);
  }
  if (!renderer) {
    replaceChildren(el, h("p", { class: "chart-note", text: context.t("chart.noRenderer", { kind: String(kind) }) }));
    return false;
  }
  try {
    renderer.render(el, data, context);
  } catch (error) {
    // Malformed data for a known kind: say so instead of leaving a broken plot.
    console.error(`chart ${kind}:`, error);
    clearChart(el, context.Plotly);
    replaceChildren(el, h("p", { class: "chart-note", text: context.t("chart.badData", { kind: String(kind) }) }));
    el.dataset.kind = "";
    return false;
  }
  return true;
}

export function clearChart(el, Plotly) {
  if (el.classList.contains("js-plotly-plot")) Plotly?.purge(el);
  el.replaceChildren();
  delete el.dataset.kind;
}
