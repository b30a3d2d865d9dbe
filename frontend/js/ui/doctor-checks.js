// The training doctor's checks on the design, before it trains: the learning-rate finder
// (loss against a rising lr, the suggested rate marked, "Use this lr" puts it in the
// optimizer's field) and overfitting one batch (can the network drive one small batch's
// loss to about zero?), each run by the server on a throwaway copy of the seeded network.

import { wordsIn } from "../lib/findings.js";
import { formatLoss } from "../lib/format.js";
import { h, replaceChildren } from "./dom.js";
import { createLrFinderResult } from "./lr-finder-result.js";

// request(): the design's job request; onUseLr(lr): set the optimizer's lr in the design.
export function createDoctorChecks({ store, api, Plotly, request, onUseLr }) {
  let t = store.get().t;
  let overfitResult = null; // {passed, …} or {error}
  let busy = null; // "lr" | "overfit" while one runs

  const title = h("h3", { class: "subhead" });
  const help = h("p", { class: "muted small" });
  const lrButton = h("button", { type: "button", class: "btn btn-small", dataset: { testid: "lr-finder" }, onclick: findLr });
  const overfitButton = h("button", { type: "button", class: "btn btn-small", dataset: { testid: "overfit-batch" }, onclick: overfit });
  const lr = createLrFinderResult({ Plotly, onUse: onUseLr });
  const overfitBox = h("div", { class: "check-result", hidden: true, role: "status", dataset: { testid: "overfit-verdict" } });
  const el = h("div", { class: "doctor-checks", dataset: { testid: "doctor-checks" } }, title, help, h("div", { class: "check-buttons" }, lrButton, overfitButton), lr.el, overfitBox);

  async function run(kind, call) {
    if (busy) return null;
    busy = kind;
    render();
    try {
      return await call(request());
    } catch (error) {
      return { error: error.message };
    } finally {
      busy = null;
      render();
    }
  }

  async function findLr() {
    const answer = await run("lr", api.lrFinder);
    if (answer) lr.show(answer, t);
  }

  async function overfit() {
    overfitResult = (await run("overfit", api.overfitBatch)) ?? overfitResult;
    render();
  }

  function renderOverfit() {
    overfitBox.hidden = !overfitResult;
    if (!overfitResult) return;
    if (overfitResult.error) {
      overfitBox.dataset.passed = "";
      replaceChildren(overfitBox, h("p", { class: "small is-error", text: t("checks.failed", { message: overfitResult.error }) }));
      return;
    }
    const r = overfitResult;
    overfitBox.dataset.passed = String(Boolean(r.passed));
    const numbers = t("checks.overfitNumbers", { rows: r.rows, steps: r.steps, start: formatLoss(r.start_loss), final: formatLoss(r.final_loss) });
    replaceChildren(
      overfitBox,
      h("p", { class: `verdict ${r.passed ? "passed" : "failed"}`, text: t(r.passed ? "checks.overfitPassed" : "checks.overfitFailed") }),
      h("p", { class: "small muted", text: numbers }),
      r.passed ? h("p", { class: "small", text: t("checks.overfitPassedHelp") }) : null,
      r.finding ? h("p", { class: "small", dataset: { testid: "overfit-explanation" }, text: wordsIn(r.finding.explanation, t.lang) }) : null,
      r.finding ? h("p", { class: "small" }, h("strong", { text: t("finding.try") }), " ", wordsIn(r.finding.suggestion, t.lang)) : null,
    );
  }

  function render() {
    const state = store.get();
    const ready = state.validation.status === "ok";
    title.textContent = t("checks.title");
    help.textContent = t("checks.help");
    lrButton.textContent = busy === "lr" ? t("checks.running") : t("checks.lrFinder");
    overfitButton.textContent = busy === "overfit" ? t("checks.running") : t("checks.overfit");
    lrButton.disabled = overfitButton.disabled = Boolean(busy) || !ready;
    lrButton.title = ready ? t("checks.lrFinderHelp") : t("checks.needsValid");
    overfitButton.title = ready ? t("checks.overfitHelp") : t("checks.needsValid");
    lr.relabel(t);
    renderOverfit();
  }

  store.subscribe((state, previous) => {
    if (state.t !== previous.t) t = state.t;
    if (state.t !== previous.t || state.validation.status !== previous.validation.status) render();
    // A result belongs to the design it was run on.
    if (state.design.nets !== previous.design.nets || state.design.dataset !== previous.design.dataset) {
      if (lr.result || overfitResult) {
        overfitResult = null;
        lr.show(null);
        render();
      }
    }
  });
  render();
  return { el };
}
