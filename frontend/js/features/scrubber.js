// "History": a slider over a job's stored snapshots (GET /api/jobs/{id}/snapshots) that
// replays how the decision boundary / fit curve evolved. Drawing is delegated to the page's
// snapshot renderer (charts/snapshots/index.js renderSnapshot), passed in as `render`.
// While the job runs, `follow(snapshot)` adds each new snapshot as it streams in.
// `onShow(epoch)` hears of each epoch shown, for charts that mark it (the distributions).
//
//   import { renderSnapshot } from "../charts/snapshots/index.js";
//   mountScrubber(container, api, { jobId, render: renderSnapshot, context, t, onShow });

import { h } from "../ui/dom.js";

export function mountScrubber(container, api, { jobId, render, context = {}, limit = 100, t, onShow = () => {} }) {
  const slider = h("input", { type: "range", min: "0", max: "0", step: "1", value: "0", dataset: { testid: "scrubber-slider" } });
  const label = h("output", { class: "scrubber-epoch" });
  const play = h("button", { type: "button", class: "btn btn-small", title: t("scrubber.play"), dataset: { testid: "scrubber-play" }, text: "▶" });
  const chart = h("div", { class: "scrubber-chart", dataset: { testid: "scrubber-chart" } });
  const root = h("section", { class: "scrubber", dataset: { testid: "scrubber" } }, h("div", { class: "scrubber-controls" }, play, slider, label), chart);
  container.append(root);
  let snapshots = [];
  let loaded = false;
  let timer = null;

  function showAt(index) {
    const snapshot = snapshots[index];
    if (!snapshot) return;
    slider.value = String(index);
    chart.dataset.epoch = String(snapshot.epoch);
    label.textContent = `${t("scrubber.epoch")} ${snapshot.epoch}`;
    render(chart, snapshot, context);
    onShow(snapshot.epoch);
  }

  slider.addEventListener("input", () => showAt(Number(slider.value)));
  play.addEventListener("click", () => {
    if (timer) {
      clearInterval(timer);
      timer = null;
      play.textContent = "▶";
      return;
    }
    play.textContent = "⏸";
    let index = Number(slider.value) >= snapshots.length - 1 ? 0 : Number(slider.value);
    timer = setInterval(() => {
      showAt(index++);
      if (index >= snapshots.length) play.click();
    }, 150);
  });

  async function load(id = jobId) {
    jobId = id;
    loaded = false;
    snapshots = await api.snapshots(id, limit);
    loaded = true;
    slider.max = String(Math.max(snapshots.length - 1, 0));
    showAt(snapshots.length - 1);
    return snapshots.length;
  }

  // A running job's new snapshots join the history as they arrive. The view follows the
  // newest unless the reader has moved the slider back or is replaying.
  function follow(snapshot) {
    if (!loaded || !snapshot || snapshot.epoch <= (snapshots.at(-1)?.epoch ?? -Infinity)) return;
    const shown = snapshots[Number(slider.value)];
    const atEnd = !timer && Number(slider.value) >= snapshots.length - 1;
    snapshots.push(snapshot);
    // Bounded like the server's answer: past twice the limit, keep every other one (and the newest).
    if (snapshots.length > 2 * limit) snapshots = snapshots.filter((_, i) => i % 2 === 0 || i === snapshots.length - 1);
    slider.max = String(snapshots.length - 1);
    if (atEnd) showAt(snapshots.length - 1);
    else slider.value = String(Math.max(0, snapshots.findLastIndex((s) => s.epoch <= shown.epoch)));
  }

  const ready = load();
  return {
    ready,
    load,
    showAt,
    follow,
    destroy() {
      if (timer) clearInterval(timer);
      root.remove();
    },
  };
}
