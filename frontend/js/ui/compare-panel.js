// "Compare runs": the jobs ticked in the jobs list, their curves overlaid on one chart
// and their settings side by side (features/compare.js draws; this panel shows and
// hides it, and follows the selection in the store's `compare` slice).

import { mountCompare } from "../features/compare.js";
import { shallowEqual } from "../lib/store.js";
import { h, replaceChildren } from "./dom.js";

export function createComparePanel({ root, store, api, Plotly, notify }) {
  let t = store.get().t;
  let view = null; // {ids, lang, instance}

  const title = h("h2", { class: "panel-title" });
  const hint = h("span", { class: "muted small" });
  const close = h("button", {
    type: "button",
    class: "btn btn-ghost btn-small",
    dataset: { testid: "compare-close" },
    onclick: () => store.update((s) => ({ ...s, compare: { ...s.compare, open: false } })),
  });
  const body = h("div", { class: "compare-body" });
  replaceChildren(root, h("div", { class: "panel-head" }, h("div", { class: "title-group" }, title, hint), close), body);

  function render() {
    const { ids, open } = store.get().compare;
    title.textContent = t("compare.title");
    hint.textContent = t("compare.hint");
    close.textContent = t("compare.close");
    root.hidden = !open;
    if (!open) {
      view?.instance.destroy();
      view = null;
      body.replaceChildren();
      return;
    }
    if (view && view.lang === t.lang) {
      if (!shallowEqual(view.ids, ids)) {
        view.ids = ids;
        view.instance.select(ids).catch(failed);
      }
      return;
    }
    view?.instance.destroy();
    body.replaceChildren();
    const instance = mountCompare(body, api, { Plotly, jobIds: ids, t });
    instance.ready.catch(failed);
    view = { ids, lang: t.lang, instance };
    root.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function failed(error) {
    notify.error(t("compare.failed", { message: error.message }));
  }

  store.watch(
    (s) => s.t,
    (next) => {
      t = next;
      render();
    },
  );
  store.watch((s) => s.compare, render, { immediate: false });
}
