// Sample images (grayscale or CHW colour, 0–255) drawn on canvases with labels.

import { h, replaceChildren } from "../../ui/dom.js";

export function render(el, data) {
  const shape = data.shape ?? [28, 28];
  const [channels, height, width] = shape.length === 3 ? shape : [1, shape[0], shape[1]];
  const tiles = (data.images ?? []).slice(0, 16).map((pixels, i) => {
    const canvas = h("canvas", { width, height, class: "image-tile" });
    drawImage(canvas, pixels, channels, height, width);
    return h("figure", { class: "image-cell" }, canvas, h("figcaption", { text: String(data.labels?.[i] ?? "") }));
  });
  replaceChildren(el, h("div", { class: "image-grid" }, tiles));
}

export function drawImage(canvas, pixels, channels, height, width) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  const plane = height * width;
  for (let i = 0; i < plane; i += 1) {
    const r = pixels[i] ?? 0;
    const g = channels === 3 ? pixels[plane + i] : r;
    const b = channels === 3 ? pixels[2 * plane + i] : r;
    image.data.set([r, g, b, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
}
