// The top bar's choice of view (the playground, the autograd explorer): one is shown,
// the others hidden. `?view=<id>` in the address opens one directly and follows the
// choice (the design itself lives in the hash, which this leaves alone).

import { h, replaceChildren } from "./dom.js";

export function createViewSwitch({ root, store, views, win = window }) {
  const wanted = new URLSearchParams(win.location.search).get("view");
  let current = views.some((view) => view.id === wanted) ? wanted : views[0].id;

  function show(id) {
    const previous = current;
    current = id;
    for (const view of views) view.el.hidden = view.id !== id;
    const url = new URL(win.location.href);
    if (id === views[0].id) url.searchParams.delete("view");
    else url.searchParams.set("view", id);
    win.history.replaceState(win.history.state, "", url);
    render();
    views.find((view) => view.id === id)?.onShow?.();
    // Charts drawn while their view was hidden take their size from a resize.
    if (previous !== id) win.dispatchEvent(new Event("resize"));
  }

  function render() {
    const t = store.get().t;
    replaceChildren(
      root,
      views.map((view) =>
        h("button", {
          type: "button",
          class: ["view-btn", view.id === current && "active"],
          "aria-pressed": String(view.id === current),
          dataset: { testid: `view-${view.id}` },
          text: t(view.label),
          onclick: () => view.id !== current && show(view.id),
        }),
      ),
    );
  }

  root.setAttribute("aria-label", store.get().t("view.label"));
  store.watch((s) => s.t, (t) => {
    root.setAttribute("aria-label", t("view.label"));
    render();
  }, { immediate: false });
  show(current);
  return { show };
}
