// Shared Plotly look: fonts, margins, grid colours, and the class palette
// (TensorFlow Playground's orange/blue first, so 2-class plots read the same).

export const CLASS_COLORS = ["#f08c00", "#1c7ed6", "#2f9e44", "#ae3ec9", "#e03131", "#0c8599", "#5c940d", "#6741d9", "#c2255c", "#495057"];
export const SERIES_COLORS = { train: "#1c7ed6", val: "#f08c00", metric: "#2f9e44", prediction: "#e8590c", data: "#364fc7" };
const FONT = 'Inter, "Segoe UI", system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';

export function baseLayout(extra = {}) {
  return {
    autosize: true,
    margin: { l: 48, r: 12, t: 10, b: 38 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    font: { family: FONT, size: 11, color: "#495057" },
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 }, bgcolor: "rgba(0,0,0,0)" },
    hoverlabel: { font: { family: FONT, size: 11 } },
    ...extra,
    xaxis: axis(extra.xaxis),
    yaxis: axis(extra.yaxis),
  };
}

export function axis(extra = {}) {
  return {
    gridcolor: "#eef0f3",
    zerolinecolor: "#d0d5dd",
    linecolor: "#d0d5dd",
    tickfont: { size: 10 },
    automargin: true,
    ...extra,
  };
}

export const PLOT_CONFIG = { displayModeBar: false, responsive: true, displaylogo: false, scrollZoom: false };

export function classColor(index) {
  return CLASS_COLORS[((index % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length];
}

// A pale tint of a class colour for heatmaps under the points.
export function tint(hex, amount) {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c) => Math.round(c + (255 - c) * (1 - amount));
  return `rgb(${mix(n >> 16)}, ${mix((n >> 8) & 255)}, ${mix(n & 255)})`;
}

// Class indices or labels → colours, using the class list when given.
export function pointColors(labels, classes) {
  return labels.map((label) => {
    const index = classes ? classes.map(String).indexOf(String(label)) : Number(label);
    return classColor(index >= 0 ? index : Number(label) || 0);
  });
}
