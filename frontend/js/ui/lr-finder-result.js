// A learning-rate range test's answer (POST …/lr-finder): the suggestion in words, the curve
// (charts/lr-finder-chart.js) and a button that hands the suggested rate to `onUse`. Shown
// by the training panel's checks (for the design) and the job view's doctor (for a job).

import { drawLrFinder } from "../charts/lr-finder-chart.js";
import { clearChart } from "../charts/registry.js";
import { h } from "./dom.js";

// A suggestion as the page offers it: three significant digits.
export const roundedLr = (lr) => Number(lr.toPrecision(3));

export function createLrFinderResult({ Plotly, onUse, testid = "lr-finder-result" }) {
  let result = null; // the answer, or {error}
  let t = null;
  const text = h("p", { class: "small", dataset: { testid: "lr-suggested" } });
  const plot = h("div", { class: "plot plot-lr-finder", dataset: { testid: "lr-finder-chart" } });
  const use = h("button", {
    type: "button",
    class: "btn btn-small btn-primary",
    dataset: { testid: "lr-use" },
    onclick: () => Number.isFinite(result?.suggested_lr) && onUse(roundedLr(result.suggested_lr)),
  });
  const el = h("div", { class: "check-result", hidden: true, dataset: { testid } }, text, plot, h("div", { class: "check-actions" }, use));

  function render() {
    el.hidden = !result;
    if (!result) return;
    if (result.error) {
      text.textContent = t("checks.failed", { message: result.error });
      text.className = "small is-error";
      use.hidden = plot.hidden = true;
      clearChart(plot, Plotly);
      return;
    }
    const suggested = result.suggested_lr;
    const found = Number.isFinite(suggested);
    text.className = "small";
    text.textContent = found ? t("checks.lrSuggested", { lr: roundedLr(suggested) }) + (result.stopped === "diverged" ? ` ${t("checks.lrDiverged")}` : "") : t("checks.lrNone");
    text.dataset.lr = found ? String(roundedLr(suggested)) : "";
    use.hidden = !found;
    use.textContent = t("checks.useLr");
    plot.hidden = false;
    drawLrFinder(plot, result, { Plotly, t });
  }

  return {
    el,
    // next: the answer, {error: message}, or null (nothing to show).
    show(next, nextT = t) {
      result = next;
      t = nextT;
      render();
    },
    relabel(nextT) {
      t = nextT;
      render();
    },
    get result() {
      return result;
    },
  };
}
