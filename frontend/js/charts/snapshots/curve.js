// 1-D regression: the data points and the model's curve over an x grid.

import { baseLayout, PLOT_CONFIG, SERIES_COLORS } from "../theme.js";
import { flat } from "./util.js";

export function render(el, data, { Plotly, t }) {
  const traces = [
    {
      type: "scatter",
      mode: "markers",
      name: t("chart.data"),
      x: flat(data.data?.x ?? []),
      y: flat(data.data?.y ?? []),
      marker: { color: SERIES_COLORS.data, size: 5, opacity: 0.75 },
    },
    ...(data.test?.x?.length
      ? [
          {
            type: "scatter",
            mode: "markers",
            name: t("chart.testData"),
            x: flat(data.test.x),
            y: flat(data.test.y),
            marker: { color: "white", size: 6, line: { color: SERIES_COLORS.data, width: 1.5 } },
          },
        ]
      : []),
    {
      type: "scatter",
      mode: "lines",
      name: t("chart.model"),
      x: flat(data.x),
      y: flat(data.prediction),
      line: { color: SERIES_COLORS.prediction, width: 2.5 },
    },
  ];
  Plotly.react(el, traces, baseLayout({ xaxis: { title: { text: "x" } }, yaxis: { title: { text: "y" } }, uirevision: "curve" }), PLOT_CONFIG);
}
