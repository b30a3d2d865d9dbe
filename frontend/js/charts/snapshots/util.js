// [[1], [2]] → [1, 2]; [1, 2] stays. Models often output (n, 1).
export function flat(values) {
  return (values ?? []).map((value) => (Array.isArray(value) ? value[0] : value));
}

// Multi-output columns flattened row by row: [[1, 2], [3, 4]] → [1, 2, 3, 4].
export function flatAll(values) {
  return (values ?? []).flat(Infinity);
}

// A grayscale image (rows of 0–255 ints) on a canvas, one canvas pixel per image pixel;
// CSS scales it up with sharp edges.
export function imageCanvas(rows, { className = "snap-tile" } = {}) {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.className = className;
  if (!width) return canvas;
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  rows.forEach((row, y) =>
    row.forEach((value, x) => {
      const v = Math.max(0, Math.min(255, Math.round(value)));
      image.data.set([v, v, v, 255], (y * width + x) * 4);
    }),
  );
  context.putImageData(image, 0, 0);
  return canvas;
}

// A child element that survives redraws of the same kind (a Plotly plot inside a
// DOM layout keeps its state instead of being rebuilt every snapshot).
export function slot(el, className, tag = "div") {
  let child = el.querySelector(`:scope > .${className}`);
  if (!child) {
    child = document.createElement(tag);
    child.className = className;
    el.append(child);
  }
  return child;
}
