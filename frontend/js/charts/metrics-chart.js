// Any per-epoch metrics the trainer reports (accuracy first of all), one trace
// each, added the first time a metric appears.

import { baseLayout, classColor, PLOT_CONFIG, SERIES_COLORS } from "./theme.js";

const FRACTION_METRICS = new Set(["accuracy", "val_accuracy", "train_accuracy"]);

export function createMetricsChart(el, { Plotly, t: initialT, onFirstMetric = () => {} }) {
  let t = initialT;
  let names = [];

  const label = (name) => (t.has(`metric.${name}`) ? t(`metric.${name}`) : name);

  function layout() {
    const fraction = names.length > 0 && names.every((name) => FRACTION_METRICS.has(name));
    return baseLayout({
      xaxis: { title: { text: t("chart.epoch") }, rangemode: "tozero" },
      yaxis: fraction ? { tickformat: ".0%", range: [0, 1.02], title: { text: t("metric.accuracy") } } : { title: { text: t("chart.metric") } },
    });
  }

  function reset() {
    names = [];
    Plotly.react(el, [], layout(), PLOT_CONFIG);
  }

  function extend(columns) {
    const fresh = Object.keys(columns.metrics).filter((name) => !names.includes(name));
    if (fresh.length) {
      const wasEmpty = names.length === 0;
      names = [...names, ...fresh];
      Plotly.addTraces(
        el,
        fresh.map((name) => ({
          type: "scatter",
          mode: "lines",
          name: label(name),
          x: [],
          y: [],
          line: { color: metricColor(name, names.indexOf(name)), width: 2 },
        })),
      );
      Plotly.relayout(el, layout());
      if (wasEmpty) onFirstMetric();
    }
    const present = names.filter((name) => columns.metrics[name]);
    if (!present.length) return;
    Plotly.extendTraces(
      el,
      { x: present.map((name) => columns.metrics[name].epoch), y: present.map((name) => columns.metrics[name].value) },
      present.map((name) => names.indexOf(name)),
    );
  }

  function relabel(nextT) {
    t = nextT;
    if (names.length) Plotly.restyle(el, { name: names.map(label) }, names.map((_, i) => i));
    Plotly.relayout(el, layout());
  }

  reset();
  return { reset, extend, relabel, hasData: () => names.length > 0 };
}

// Train-side metrics share the train loss colour, the others the validation one.
function metricColor(name, index) {
  if (name.startsWith("train")) return SERIES_COLORS.train;
  if (name === "accuracy" || name.startsWith("val")) return SERIES_COLORS.val;
  return classColor(index + 2);
}
