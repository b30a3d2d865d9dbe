// Small inline SVG icons (no icon font: glyphs like ⧉ are missing from many
// system fonts, CJK ones included).

import { svg } from "./dom.js";

const PATHS = {
  up: "M8 12V4M4.5 7.5 8 4l3.5 3.5",
  down: "M8 4v8M4.5 8.5 8 12l3.5-3.5",
  copy: "M5.5 5.5h7v7h-7zM3.5 10.5v-7h7",
  close: "M4.5 4.5l7 7M11.5 4.5l-7 7",
  grip: "M6 4h.01M10 4h.01M6 8h.01M10 8h.01M6 12h.01M10 12h.01",
  chart: "M2.5 13.5h11M4 11l3-4 2.5 2 3.5-5",
  refresh: "M12.5 6.5A4.5 4.5 0 1 0 12 10.5M12.5 3v3.5H9",
  dice: "M3.5 3.5h9v9h-9zM6 6h.01M10 10h.01M8 8h.01",
  play: "M5 3.5v9l7-4.5z",
  stop: "M4.5 4.5h7v7h-7z",
};

export function icon(name, { size = 14, className = "icon" } = {}) {
  const filled = name === "play" || name === "stop";
  const grip = name === "grip";
  return svg(
    "svg",
    { class: className, width: size, height: size, viewBox: "0 0 16 16", "aria-hidden": "true", focusable: "false" },
    svg("path", {
      d: PATHS[name],
      fill: filled ? "currentColor" : "none",
      stroke: "currentColor",
      "stroke-width": grip ? 2.6 : 1.6,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
    }),
  );
}
