// "Compare runs": pick jobs; their loss curves overlay on one chart (train solid, val
// dashed, one colour per job), accuracy on a second, and a table of settings and final
// metrics where rows that differ between the jobs are highlighted.
//
//   mountCompare(container, api, { Plotly, jobIds: ["…", "…"] });

import { escapeMarkup } from "../lib/escape.js";

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

export function mountCompare(container, api, { Plotly = globalThis.Plotly, jobIds = [], showPicker = true, t = (k, v) => v?.fallback ?? k } = {}) {
  const root = document.createElement("section");
  root.className = "compare";
  root.dataset.testid = "compare";
  root.innerHTML = `
    <fieldset class="compare-picker"><legend></legend></fieldset>
    <div class="compare-loss" data-testid="compare-loss-chart"></div>
    <div class="compare-accuracy" data-testid="compare-accuracy-chart"></div>
    <table class="compare-table" data-testid="compare-table"></table>`;
  root.querySelector("legend").textContent = t("compare.pick", { fallback: "Jobs to compare" });
  container.append(root);
  const picker = root.querySelector(".compare-picker");
  picker.hidden = !showPicker; // the page picks jobs in its own list
  const selected = new Set(jobIds);

  async function refreshPicker() {
    const jobs = await api.listJobs();
    picker.querySelectorAll("label").forEach((label) => label.remove());
    for (const job of jobs) {
      const label = document.createElement("label");
      const box = Object.assign(document.createElement("input"), { type: "checkbox", value: job.id, checked: selected.has(job.id) });
      box.addEventListener("change", () => {
        if (box.checked) selected.add(job.id);
        else selected.delete(job.id);
        draw();
      });
      label.append(box, ` ${job.name ?? job.id} (${job.status})`);
      picker.append(label);
    }
  }

  async function draw() {
    const ids = [...selected];
    const loaded = await Promise.all(ids.map(async (id) => ({ job: await api.getJob(id), epochs: await api.metrics(id) })));
    const loss = [];
    const accuracy = [];
    loaded.forEach(({ job, epochs }, i) => {
      const color = COLORS[i % COLORS.length];
      const x = epochs.map((e) => e.epoch);
      const name = escapeMarkup(job.name ?? job.id);
      const train = t("compare.train", { fallback: "train" });
      const val = t("compare.val", { fallback: "val" });
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
        xaxis: { title: { text: t("compare.epoch", { fallback: "epoch" }) }, gridcolor: "#eef0f3" },
      });
      const config = { responsive: true, displayModeBar: false };
      const lossEl = root.querySelector(".compare-loss");
      const accuracyEl = root.querySelector(".compare-accuracy");
      Plotly.react(lossEl, loss, { ...layout(t("compare.loss", { fallback: "loss" })), yaxis: { type: "log", gridcolor: "#eef0f3" } }, config);
      accuracyEl.hidden = !accuracy.length;
      if (accuracy.length) Plotly.react(accuracyEl, accuracy, layout(t("compare.accuracy", { fallback: "accuracy" })), config);
    }
    renderTable(loaded.map(({ job, epochs }) => settingsRow(job, epochs)));
    return { traces: loss.length };
  }

  function renderTable(rows) {
    const table = root.querySelector(".compare-table");
    table.replaceChildren();
    if (!rows.length) return;
    const differs = differingRows(rows);
    for (const key of Object.keys(rows[0])) {
      const tr = document.createElement("tr");
      tr.dataset.row = key;
      if (differs.has(key)) tr.className = "differs";
      const th = document.createElement("th");
      th.textContent = t(`compare.row.${key}`, { fallback: key });
      tr.append(th, ...rows.map((row) => Object.assign(document.createElement("td"), { textContent: String(row[key]) })));
      table.append(tr);
    }
  }

  const ready = (showPicker ? refreshPicker() : Promise.resolve()).then(() => (selected.size ? draw() : null));
  return {
    ready,
    refresh: refreshPicker,
    select(ids) {
      selected.clear();
      ids.forEach((id) => selected.add(id));
      picker.querySelectorAll("input").forEach((box) => (box.checked = selected.has(box.value)));
      return draw();
    },
    destroy: () => root.remove(),
  };
}
