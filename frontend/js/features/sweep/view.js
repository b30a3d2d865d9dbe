// The Sweep view: a form that makes a sweep of the playground's current design (axes:
// a request path and its values), then the members as small multiples (live loss curve
// and snapshot each), a results table sorted by a click on its header, a scatter of an
// axis's values against a final metric, and "open as job" / "fork the best".
// `?view=sweep&id=<sweep>` opens a sweep directly. User text reaches the DOM through
// textContent (h's `text`) and Plotly through escapeMarkup.

import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "../../charts/theme.js";
import { escapeMarkup } from "../../lib/escape.js";
import { describeDetail } from "../../lib/validation.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { createMemberCard } from "./member-card.js";
import { bestFirst, bestMember, finalValue, METRICS, memberLabel, rowOfError, scatterPoints, sortMembers, suggestedPaths, sweepBody } from "./model.js";

const POLL_MS = 1000;

export function createSweepView({ root, store, api, Plotly, notify, currentRequest, onFork, onOpenJob, win = window }) {
  const t = () => store.get().t;
  const state = {
    form: { name: "sweep", axes: [{ path: "optimizer.lr", values: "0.003, 0.03" }], mode: "grid", count: "4", rule: "", atEpochs: "" },
    errors: { rows: {}, general: [] },
    sweep: null, // GET /api/sweeps/{id}
    list: [],
    sort: { column: "val_loss", descending: false },
    scatterAxis: null,
    creating: false,
  };
  let cards = new Map(); // member id → card
  let poll = null;

  const formPanel = h("section", { class: "panel sweep-form", dataset: { testid: "sweep-form" } });
  const resultPanel = h("section", { class: "panel sweep-result", dataset: { testid: "sweep-result" } });
  const grid = h("div", { class: "sweep-grid", dataset: { testid: "sweep-grid" } });
  const table = h("table", { class: "sweep-table", dataset: { testid: "sweep-table" } });
  const scatterEl = h("div", { class: "sweep-scatter", dataset: { testid: "sweep-scatter" } });
  const headEl = h("div", { class: "panel-head" });
  const scatterControlsEl = h("div", { class: "sweep-row" });
  const emptyNote = h("p", { class: "chart-note" });
  const body = h(
    "div",
    { class: "sweep-body" },
    grid,
    h("div", { class: "sweep-bottom" }, h("div", { class: "sweep-table-wrap" }, table), h("div", { class: "sweep-scatter-wrap" }, scatterControlsEl, scatterEl)),
  );
  replaceChildren(resultPanel, emptyNote, headEl, body);
  replaceChildren(root, formPanel, resultPanel);

  // ---- the form ------------------------------------------------------------
  function renderForm() {
    const form = state.form;
    const paths = suggestedPaths(currentRequest());
    const rows = form.axes.map((axis, row) =>
      h(
        "div",
        { class: ["sweep-axis", state.errors.rows[row] && "invalid"], dataset: { testid: `sweep-axis-${row}` } },
        h("input", {
          type: "text",
          class: "sweep-axis-path mono",
          list: "sweep-paths",
          value: axis.path,
          "aria-label": t()("sweep.axisPath"),
          placeholder: "optimizer.lr",
          dataset: { testid: `sweep-axis-path-${row}` },
          oninput: (event) => (axis.path = event.target.value),
        }),
        h("input", {
          type: "text",
          class: "sweep-axis-values mono",
          value: axis.values,
          "aria-label": t()("sweep.axisValues"),
          placeholder: "0.001, 0.01, 0.1",
          dataset: { testid: `sweep-axis-values-${row}` },
          oninput: (event) => (axis.values = event.target.value),
        }),
        h("button", {
          type: "button",
          class: "btn btn-ghost btn-small",
          text: "×",
          title: t()("sweep.removeAxis"),
          "aria-label": t()("sweep.removeAxis"),
          onclick: () => {
            form.axes.splice(row, 1);
            state.errors = { rows: {}, general: [] };
            renderForm();
          },
        }),
        state.errors.rows[row] && h("p", { class: "field-error sweep-axis-error", dataset: { testid: `sweep-axis-error-${row}` }, text: state.errors.rows[row] }),
      ),
    );
    const select = (key, options, testid) =>
      h(
        "select",
        { dataset: { testid }, onchange: (event) => ((form[key] = event.target.value), renderForm()) },
        options.map(([value, label]) => h("option", { value, text: label, selected: form[key] === value })),
      );
    replaceChildren(
      formPanel,
      h("div", { class: "panel-head" }, h("h2", { text: t()("sweep.title") }), h("span", { class: "panel-sub", text: t()("sweep.subtitle") })),
      h("p", { class: "sweep-help", text: t()("sweep.help") }),
      h(
        "div",
        { class: "sweep-row" },
        h("label", { text: t()("sweep.name") }, h("input", { type: "text", value: form.name, maxlength: 100, dataset: { testid: "sweep-name" }, oninput: (event) => (form.name = event.target.value) })),
        h("label", { text: t()("sweep.mode") }, select("mode", [["grid", t()("sweep.grid")], ["random", t()("sweep.random")]], "sweep-mode")),
        form.mode === "random" &&
          h("label", { text: t()("sweep.count") }, h("input", { type: "number", min: 1, value: form.count, class: "sweep-count", oninput: (event) => (form.count = event.target.value) })),
        h("label", { text: t()("sweep.rule") }, select("rule", [["", t()("sweep.ruleNone")], ["median", t()("sweep.ruleMedian")], ["halving", t()("sweep.ruleHalving")]], "sweep-rule")),
        form.rule &&
          h("label", { text: t()("sweep.atEpochs") }, h("input", { type: "text", value: form.atEpochs, placeholder: "5, 10", class: "mono sweep-at", oninput: (event) => (form.atEpochs = event.target.value) })),
      ),
      h("h3", { class: "subhead", text: t()("sweep.axes") }),
      h("datalist", { id: "sweep-paths" }, paths.map((path) => h("option", { value: path }))),
      rows,
      h(
        "div",
        { class: "sweep-row" },
        h("button", {
          type: "button",
          class: "btn btn-ghost",
          text: t()("sweep.addAxis"),
          dataset: { testid: "sweep-add-axis" },
          onclick: () => {
            form.axes.push({ path: "", values: "" });
            renderForm();
          },
        }),
        h("button", {
          type: "button",
          class: "btn btn-primary",
          text: state.creating ? t()("sweep.creating") : t()("sweep.create"),
          disabled: state.creating,
          dataset: { testid: "sweep-create" },
          onclick: create,
        }),
        state.list.length > 0 &&
          h(
            "select",
            {
              class: "sweep-open",
              "aria-label": t()("sweep.openSweep"),
              dataset: { testid: "sweep-open" },
              onchange: (event) => event.target.value && open(event.target.value),
            },
            h("option", { value: "", text: t()("sweep.openSweep") }),
            state.list.map((sweep) => h("option", { value: sweep.id, text: `${sweep.name} (${sweep.members.length})`, selected: sweep.id === state.sweep?.id })),
          ),
      ),
      h("div", { class: "sweep-errors", role: "alert", dataset: { testid: "sweep-errors" } }, state.errors.general.map((msg) => h("p", { text: msg }))),
    );
  }

  async function create() {
    const built = sweepBody(currentRequest(), state.form);
    if (built.errors) {
      const rows = {};
      const general = [];
      for (const error of built.errors) {
        if (error.row === null) general.push(t()(error.key));
        else rows[error.row] = t()(error.key);
      }
      state.errors = { rows, general };
      renderForm();
      return;
    }
    state.creating = true;
    state.errors = { rows: {}, general: [] };
    renderForm();
    try {
      const created = await api.createSweep(built.body);
      notify.info(t()("sweep.created", { count: created.members.length }));
      await open(created.id);
    } catch (error) {
      state.errors = errorsFrom(error);
    } finally {
      state.creating = false;
      renderForm();
    }
  }

  // A 422 at an axis value shows on that axis's row; the rest above the button.
  function errorsFrom(error) {
    if (error.status !== 422 || !Array.isArray(error.detail)) return { rows: {}, general: [t()("sweep.createFailed", { message: error.message })] };
    const rows = {};
    const general = [];
    for (const item of error.detail) {
      const row = rowOfError(item.loc, state.form);
      if (row === null) general.push(describeDetail([item]));
      else rows[row] = item.msg;
    }
    return { rows, general };
  }

  // ---- one sweep -----------------------------------------------------------
  async function open(id) {
    try {
      const sweep = await api.getSweep(id);
      showSweep(sweep);
      const url = new URL(win.location.href);
      url.searchParams.set("id", id);
      win.history.replaceState(win.history.state, "", url);
    } catch (error) {
      notify.error(t()("sweep.loadFailed", { message: error.message }));
    }
    refreshList();
  }

  function showSweep(sweep) {
    const fresh = state.sweep?.id !== sweep.id;
    state.sweep = sweep;
    if (fresh) {
      for (const card of cards.values()) card.destroy();
      cards = new Map();
      state.scatterAxis = Object.keys(sweep.axes)[0] ?? null;
      sweep.members.forEach((member, index) => {
        const card = createMemberCard({ member, number: index + 1, api, Plotly, t });
        cards.set(member.id, card);
      });
      replaceChildren(grid, [...cards.values()].map((card) => card.el));
    }
    for (const member of sweep.members) cards.get(member.id)?.update(member);
    renderResult();
    clearTimeout(poll);
    if (sweep.status !== "done") poll = setTimeout(() => reload(sweep.id), POLL_MS);
  }

  async function reload(id) {
    if (state.sweep?.id !== id) return;
    try {
      showSweep(await api.getSweep(id));
    } catch (error) {
      if (error.status === 404) return close();
      poll = setTimeout(() => reload(id), POLL_MS * 3);
    }
  }

  function close() {
    clearTimeout(poll);
    for (const card of cards.values()) card.destroy();
    cards = new Map();
    state.sweep = null;
    const url = new URL(win.location.href);
    url.searchParams.delete("id");
    win.history.replaceState(win.history.state, "", url);
    renderResult();
    refreshList();
  }

  function renderResult() {
    const sweep = state.sweep;
    emptyNote.hidden = Boolean(sweep);
    headEl.hidden = body.hidden = !sweep;
    emptyNote.textContent = t()("sweep.empty");
    if (!sweep) return;
    const best = bestMember(sweep.members);
    replaceChildren(
      headEl,
      h("h2", { text: sweep.name }),
      h("span", { class: "pill", dataset: { testid: "sweep-status" }, text: t()(`sweep.status.${sweep.status}`) }),
      h(
        "div",
        { class: "sweep-actions" },
        h("button", {
          type: "button",
          class: "btn btn-primary",
          text: t()("sweep.forkBest"),
          title: best ? memberLabel(best.values) : t()("sweep.noBest"),
          disabled: !best,
          dataset: { testid: "sweep-fork-best" },
          onclick: () => fork(best),
        }),
        sweep.status !== "done" &&
          h("button", { type: "button", class: "btn", text: t()("sweep.stop"), dataset: { testid: "sweep-stop" }, onclick: () => act(api.stopSweep, "sweep.stopFailed") }),
        h("button", {
          type: "button",
          class: "btn btn-ghost",
          text: t()("sweep.delete"),
          dataset: { testid: "sweep-delete" },
          onclick: async () => {
            if (await act(api.deleteSweep, "sweep.deleteFailed")) close();
          },
        }),
      ),
    );
    renderScatterControls();
    renderTable();
    renderScatter();
  }

  async function act(call, failure) {
    try {
      await call(state.sweep.id);
      if (state.sweep) reload(state.sweep.id);
      return true;
    } catch (error) {
      notify.error(t()(failure, { message: error.message }));
      return false;
    }
  }

  async function fork(member) {
    if (!member) return;
    try {
      const record = await api.getJob(member.id);
      onFork(record.request, memberLabel(member.values));
    } catch (error) {
      notify.error(t()("sweep.forkFailed", { message: error.message }));
    }
  }

  // ---- the table -----------------------------------------------------------
  function columns() {
    return ["number", ...Object.keys(state.sweep.axes).map((path) => `axis:${path}`), ...METRICS, "status", "stopped_by"];
  }

  function heading(column) {
    if (column.startsWith("axis:")) return column.slice(5);
    return t()(`sweep.column.${column}`);
  }

  function renderTable() {
    const { column, descending } = state.sort;
    const rows = sortMembers(state.sweep.members, column, descending);
    replaceChildren(
      table,
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns().map((key) =>
            h(
              "th",
              {
                class: ["sortable", key === column && (descending ? "sorted-desc" : "sorted-asc")],
                "aria-sort": key === column ? (descending ? "descending" : "ascending") : "none",
                dataset: { testid: `sweep-sort-${key}` },
                onclick: () => {
                  state.sort = key === column ? { column, descending: !descending } : { column: key, descending: bestFirst(key) };
                  renderTable();
                  renderScatterControls();
                  renderScatter();
                },
              },
              h("span", { text: heading(key) }),
            ),
          ),
          h("th", { text: "" }),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((member) =>
          h(
            "tr",
            { dataset: { testid: "sweep-row", member: member.id, number: String(member.number) } },
            columns().map((key) => {
              return h("td", { class: METRICS.includes(key) && "num", dataset: { column: key }, text: cellText(member, key) });
            }),
            h("td", {}, h("button", { type: "button", class: "btn btn-ghost btn-small", text: t()("sweep.openJob"), dataset: { testid: "sweep-open-job" }, onclick: () => onOpenJob(member.id) })),
          ),
        ),
      ),
    );
  }

  // Axis values as given; metrics to 4 significant digits.
  function cellText(member, key) {
    if (key === "number") return `#${member.number}`;
    if (key === "status") return t()(`status.${member.status}`);
    if (METRICS.includes(key)) {
      const value = finalValue(member, key);
      return value === null ? "—" : value.toPrecision(4);
    }
    const value = key.startsWith("axis:") ? member.values[key.slice(5)] : member[key];
    if (value === null || value === undefined) return "—";
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  // ---- the scatter ---------------------------------------------------------
  function renderScatterControls() {
    const axes = Object.keys(state.sweep.axes);
    replaceChildren(
      scatterControlsEl,
      h(
        "select",
        { "aria-label": t()("sweep.scatterAxis"), dataset: { testid: "sweep-scatter-axis" }, onchange: (event) => ((state.scatterAxis = event.target.value), renderScatter()) },
        axes.map((path) => h("option", { value: path, text: path, selected: path === state.scatterAxis })),
      ),
      h("span", { class: "panel-sub", text: t()("sweep.scatterAgainst", { metric: t()(`sweep.column.${scatterMetric()}`) }) }),
    );
  }

  function scatterMetric() {
    return METRICS.includes(state.sort.column) ? state.sort.column : "val_loss";
  }

  function renderScatter() {
    if (!state.sweep || !state.scatterAxis) return;
    const metric = scatterMetric();
    const { points, type } = scatterPoints(state.sweep.members, state.scatterAxis, metric);
    scatterEl.dataset.points = String(points.length);
    const trace = {
      type: "scatter",
      mode: "markers+text",
      x: points.map((point) => point.x),
      y: points.map((point) => point.y),
      text: points.map((point) => `#${point.number}`),
      textposition: "top center",
      marker: { color: SERIES_COLORS.train, size: 9 },
      hovertemplate: `${escapeMarkup(state.scatterAxis)} %{x}<br>${escapeMarkup(t()(`sweep.column.${metric}`))} %{y:.4g}<extra></extra>`,
    };
    const layout = baseLayout({
      showlegend: false,
      margin: { l: 48, r: 12, t: 10, b: 40 },
      xaxis: { type, title: { text: escapeMarkup(state.scatterAxis) } },
      yaxis: { title: { text: escapeMarkup(t()(`sweep.column.${metric}`)) } },
    });
    Plotly.react(scatterEl, [trace], layout, PLOT_CONFIG);
  }

  async function refreshList() {
    try {
      state.list = await api.listSweeps();
    } catch {
      state.list = [];
    }
    renderForm();
  }

  store.watch(
    (s) => s.t,
    () => {
      renderForm();
      renderResult();
    },
    { immediate: false },
  );
  renderForm();
  renderResult();
  let shown = false;

  return {
    // On each switch to the view: the design may have changed (the path suggestions), and
    // the first time `?id=` opens its sweep.
    show() {
      renderForm();
      if (!shown) {
        shown = true;
        const id = new URLSearchParams(win.location.search).get("id");
        if (id) open(id);
        else refreshList();
      }
      for (const card of cards.values()) card.resize();
    },
  };
}
