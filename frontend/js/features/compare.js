// "Compare runs": the chosen jobs' loss curves overlay on one chart (train solid, val
// dashed, one colour per job), accuracy on a second, and a table of settings and final
// metrics where rows that differ between the jobs are highlighted.
//
//   mountCompare(container, api, { Plotly, jobIds: ["…", "…"], t });

import { escapeMarkup } from "../lib/escape.js";
import { h, replaceChildren } from "../ui/dom.js";

const COLORS = ["#1c7ed6", "#f08c00", "#2f9e44", "#ae3ec9", "#e03131", "#0c8599"];

// One flat {label: value} per job: what the table shows.
export function settingsRow(job, epochs) {
  const r = job.request ?? {};
  const last = epochs.at(-1) ?? {};
  const layers = r.model?.layers
    ? r.model.layers.map((l) => l.type + (l.out_features ?? l.out_channels ?? l.hidden_size ?? "")).join(" → ")
    : "GAN";
  return {
    name: job.name ?? r.name ?? job.id,
    dataset: `${r.dataset?.name} ${JSON.stringify(r.dataset?.params ?? {})}`,
    model: layers,
    loss: r.loss,
    optimizer: `${r.optimizer?.type} lr=${r.optimizer?.lr}`,
    scheduler: r.scheduler?.type ?? "—",
    batch_size: r.batch_size ?? "full",
    epochs: `${last.epoch ?? 0}/${r.epochs}`,
    seed: r.seed,
    status: job.status,
    train_loss: fmt(last.train_loss),
    val_loss: fmt(last.val_loss),
    accuracy: fmt(last.metrics?.accuracy),
  };
}

const fmt = (v) => (typeof v === "number" ? v.toPrecision(4) : "—");

// Labels whose value is not the same for every job.
export function differingRows(rows) {
  if (rows.length < 2) return new Set();
  return new Set(Object.keys(rows[0]).filter((key) => key !== "name" && new Set(rows.map((row) => String(row[key]))).size > 1));
}

export function mountCompare(container, api, { Plotly = globalThis.Plotly, jobIds = [], t }) {
  const lossEl = h("div", { class: "compare-loss", dataset: { testid: "compare-loss-chart" } });
  const accuracyEl = h("div", { class: "compare-accuracy", dataset: { testid: "compare-accuracy-chart" } });
  const table = h("table", { class: "compare-table", dataset: { testid: "compare-table" } });
  const root = h("section", { class: "compare", dataset: { testid: "compare" } }, lossEl, accuracyEl, table);
  container.append(root);
  const selected = new Set(jobIds);

  async function draw() {
    const ids = [...selected];
    const loaded = await Promise.all(ids.map(async (id) => ({ job: await api.getJob(id), epochs: await api.metrics(id) })));
    const loss = [];
    const accuracy = [];
    loaded.forEach(({ job, epochs }, i) => {
      const color = COLORS[i % COLORS.length];
      const x = epochs.map((e) => e.epoch);
      const name = escapeMarkup(job.name ?? job.id);
      const train = t("compare.train");
      const val = t("compare.val");
      loss.push({ x, y: epochs.map((e) => e.train_loss), name: `${name} ${train}`, meta: job.id, line: { color }, mode: "lines" });
      if (epochs.some((e) => e.val_loss !== null && e.val_loss !== undefined)) {
        loss.push({ x, y: epochs.map((e) => e.val_loss), name: `${name} ${val}`, meta: job.id, line: { color, dash: "dash" }, mode: "lines" });
      }
      if (epochs.some((e) => e.metrics?.accuracy !== undefined)) {
        accuracy.push({ x, y: epochs.map((e) => e.metrics?.accuracy ?? null), name, line: { color }, mode: "lines" });
      }
    });
    if (Plotly) {
      const layout = (title) => ({
        margin: { l: 48, r: 10, t: 28, b: 36 },
        paper_bgcolor: "rgba(0,0,0,0)",
        font: { size: 11, color: "#495057" },
        title: { text: title, font: { size: 12 } },
        legend: { orientation: "h", y: -0.25 },
        xaxis: { title: { text: t("compare.epoch") }, gridcolor: "#eef0f3" },
      });
      const config = { responsive: true, displayModeBar: false };
      Plotly.react(lossEl, loss, { ...layout(t("compare.loss")), yaxis: { type: "log", gridcolor: "#eef0f3" } }, config);
      accuracyEl.hidden = !accuracy.length;
      if (accuracy.length) Plotly.react(accuracyEl, accuracy, layout(t("compare.accuracy")), config);
    }
    renderTable(loaded.map(({ job, epochs }) => settingsRow(job, epochs)));
    return { traces: loss.length };
  }

  function renderTable(rows) {
    const differs = differingRows(rows);
    replaceChildren(
      table,
      Object.keys(rows[0] ?? {}).map((key) =>
        h(
          "tr",
          { class: differs.has(key) && "differs", dataset: { row: key } },
          h("th", { text: t(`compare.row.${key}`) }),
          rows.map((row) => h("td", { text: String(row[key]) })),
        ),
      ),
    );
  }

  const ready = selected.size ? draw() : Promise.resolve(null);
  return {
    ready,
    select(ids) {
      selected.clear();
      ids.forEach((id) => selected.add(id));
      return draw();
    },
    destroy: () => root.remove(),
  };
}
