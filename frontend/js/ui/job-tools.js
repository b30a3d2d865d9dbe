// People's tools on the watched job, in its header: where it was forked from, whose it
// is, Share (its owner and admins) and Fork (anyone with a user account who sees it).

import { h, replaceChildren } from "./dom.js";

export function createJobTools({ store, shareDialog, forkDialog }) {
  const el = h("span", { class: "job-tools", dataset: { testid: "job-tools" } });

  function render() {
    const { t, me, jobs, activeJobId } = store.get();
    const job = jobs.list.find((one) => one.id === activeJobId);
    if (!job || !me) {
      replaceChildren(el);
      return;
    }
    const mine = me.admin || job.owner === me.name;
    replaceChildren(
      el,
      job.forked_from
        ? h("span", { class: "muted small", dataset: { testid: "forked-from" }, text: t("fork.from", { job: job.forked_from.job, epoch: job.forked_from.epoch }) })
        : null,
      mine ? null : h("span", { class: "tag", dataset: { testid: "job-owner" }, text: t("people.ownedBy", { name: job.owner }) }),
      mine ? h("button", { type: "button", class: "btn btn-small", dataset: { testid: "share-open" }, text: t("share.open"), onclick: () => shareDialog.open(job.id) }) : null,
      me.name ? h("button", { type: "button", class: "btn btn-small", dataset: { testid: "fork-open" }, text: t("fork.open"), onclick: () => forkDialog.open(job) }) : null,
    );
  }

  store.subscribe((state, previous) => {
    if (state.t !== previous.t || state.me !== previous.me || state.jobs !== previous.jobs || state.activeJobId !== previous.activeJobId) render();
  });
  render();
  return { el };
}
