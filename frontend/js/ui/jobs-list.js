// Every job on the server: status, progress and last losses; click a row to watch
// it (the page replays its stream), or stop / delete / load its design.

import { formatLoss, formatTime } from "../lib/format.js";
import { shallowEqual } from "../lib/store.js";
import { h, replaceChildren } from "./dom.js";
import { statusBadge } from "./status-badge.js";

// lifecycle: lib/job-controls.js createLifecycle(system.lifecycle): which rows count as
// active and which offer Stop and Resume.
export function createJobsList({ root, store, lifecycle, actions }) {
  let t = store.get().t;
  const confirming = new Set();

  const title = h("h2", { class: "panel-title" });
  const counts = h("span", { class: "muted small" });
  const refresh = h("button", { type: "button", class: "btn btn-ghost btn-small", onclick: () => actions.refresh() });
  // Tick two or more rows, then Compare: their curves overlay in the compare panel.
  const compare = h("button", {
    type: "button",
    class: "btn btn-small",
    dataset: { testid: "compare-open" },
    onclick: () => actions.compare(),
  });
  const warning = h("div", { class: "list-warning", role: "status", hidden: true });
  const body = h("div", { class: "jobs-body" });
  replaceChildren(root, h("div", { class: "panel-head" }, h("div", { class: "title-group" }, title, counts), h("div", { class: "panel-head-right" }, compare, refresh)), warning, body);

  function merged(state) {
    const active = state.activeJob;
    return state.jobs.list.map((job) => {
      if (!active || active.id !== job.id) return job;
      const s = active.summary;
      // The stream is fresher than the last poll for the job being watched.
      return {
        ...job,
        status: s.status ?? job.status,
        epoch: Math.max(s.epoch ?? 0, job.epoch ?? 0),
        epochs: s.epochs ?? job.epochs,
        train_loss: s.trainLoss ?? job.train_loss,
        val_loss: s.valLoss ?? job.val_loss,
      };
    });
  }

  function render() {
    const state = store.get();
    const jobs = merged(state);
    title.textContent = t("jobs.title");
    refresh.textContent = t("jobs.refresh");
    const picked = state.compare.ids.length;
    compare.textContent = picked ? t("jobs.compareN", { n: picked }) : t("jobs.compare");
    compare.disabled = picked < 2;
    compare.title = t("jobs.compareHelp");
    const running = jobs.filter((job) => lifecycle.active.has(job.status)).length;
    counts.textContent = jobs.length ? t("jobs.counts", { n: jobs.length, running }) : "";
    warning.hidden = !state.jobs.error;
    warning.textContent = state.jobs.error ? t("jobs.loadFailed", { message: state.jobs.error }) : "";

    if (!state.jobs.loaded) {
      replaceChildren(body, h("p", { class: "muted", text: t("jobs.loading") }));
      return;
    }
    if (!jobs.length) {
      replaceChildren(body, h("div", { class: "empty-state compact" }, h("p", { class: "empty-title", text: t("jobs.emptyTitle") }), h("p", { class: "muted", text: t("jobs.emptyBody") })));
      return;
    }
    replaceChildren(
      body,
      h(
        "table",
        { class: "jobs-table", dataset: { testid: "jobs-table" } },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [h("th", { class: "pick-cell", title: t("jobs.compareHelp") }, "")].concat(["jobs.name", "jobs.status", "jobs.progress", "jobs.trainLoss", "jobs.valLoss", "jobs.created", ""].map((key) => h("th", { text: key ? t(key) : "" }))),
          ),
        ),
        h("tbody", {}, jobs.map((job) => row(job, job.id === state.activeJobId, state.compare.ids.includes(job.id)))),
      ),
    );
  }

  function row(job, active, picked) {
    const me = store.get().me;
    // Jobs shared with me (by a link) are watched, never controlled: no stop, resume, delete.
    const mine = !me || me.admin || job.owner === me.name;
    const epochs = job.epochs ?? 0;
    const percent = epochs ? Math.min(100, (100 * (job.epoch ?? 0)) / epochs) : 0;
    const open = () => actions.open(job.id);
    const deleting = confirming.has(job.id);
    return h(
      "tr",
      {
        class: ["job-row", active && "active"],
        tabindex: "0",
        dataset: { id: job.id, status: job.status, testid: "job-row" },
        "aria-selected": String(active),
        onclick: open,
        onkeydown: (event) => {
          if (event.target === event.currentTarget && (event.key === "Enter" || event.key === " ")) {
            event.preventDefault();
            open();
          }
        },
      },
      h(
        "td",
        { class: "pick-cell", onclick: (event) => event.stopPropagation() },
        h("input", {
          type: "checkbox",
          checked: picked,
          "aria-label": t("jobs.pickForCompare", { name: job.name ?? job.id }),
          dataset: { testid: "compare-pick" },
          onchange: (event) => actions.pickForCompare(job.id, event.target.checked),
        }),
      ),
      h(
        "td",
        { class: "job-name-cell" },
        h("span", { class: "job-title", text: job.name ?? job.id }),
        h("span", { class: "job-id", text: job.id }),
        mine ? null : h("span", { class: "tag", dataset: { testid: "row-shared" }, text: t("people.sharedBy", { name: job.owner ?? "" }) }),
      ),
      h("td", {}, statusBadge(job.status, t)),
      h(
        "td",
        { class: "progress-cell" },
        h("div", { class: "progress small", dataset: { status: job.status } }, h("div", { class: "progress-bar", style: { width: `${percent}%` } })),
        h("span", { class: "muted small", text: `${job.epoch ?? 0} / ${epochs || "?"}` }),
      ),
      h("td", { class: "num", text: formatLoss(job.train_loss) }),
      h("td", { class: "num", text: formatLoss(job.val_loss) }),
      h("td", { class: "muted small", text: formatTime(job.created_at, t.lang === "zh" ? "zh-CN" : "en-GB") }),
      h(
        "td",
        { class: "row-actions", onclick: (event) => event.stopPropagation() },
        me?.anonymous
          ? null
          : h("button", {
          type: "button",
          class: "btn btn-ghost btn-small",
          dataset: { testid: "row-load-design" },
          text: t("jobs.loadDesign"),
          title: t("jobs.loadDesignHelp"),
          onclick: () => actions.loadDesign(job.id),
        }),
        mine && lifecycle.allows(job.status, "stop")
          ? h("button", { type: "button", class: "btn btn-ghost btn-small", dataset: { testid: "row-stop" }, text: t("jobs.stop"), onclick: () => actions.stop(job.id) })
          : null,
        // A paused job goes on; one the server left unfinished continues from its last checkpoint.
        mine && lifecycle.allows(job.status, "resume")
          ? h("button", {
              type: "button",
              class: "btn btn-ghost btn-small",
              dataset: { testid: "row-resume" },
              text: t("jobs.resume"),
              title: job.status === "interrupted" ? t("training.resumeInterruptedHint") : "",
              onclick: () => actions.resume(job.id),
            })
          : null,
        !mine ? null : h("button", {
          type: "button",
          class: ["btn", "btn-small", deleting ? "btn-danger" : "btn-ghost danger-text"],
          dataset: { testid: "row-delete" },
          text: deleting ? t("jobs.confirmDelete") : t("jobs.delete"),
          onclick: () => {
            if (!deleting) {
              confirming.add(job.id);
              setTimeout(() => {
                confirming.delete(job.id);
                render();
              }, 3000);
              render();
              return;
            }
            confirming.delete(job.id);
            actions.remove(job.id);
          },
        }),
      ),
    );
  }

  store.watch(
    (s) => s.t,
    (next) => {
      t = next;
      render();
    },
  );
  store.watch((s) => [s.jobs, s.activeJob, s.activeJobId, s.compare], render, { immediate: false, equals: shallowEqual });
}
