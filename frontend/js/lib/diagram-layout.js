// Geometry of the network diagram. Small MLPs are drawn as neurons and
// connections (like TensorFlow Playground); anything else as a row of boxes with
// each layer's output shape. Pure: the SVG is drawn by ui/diagram.js.

export const NEURON_LIMITS = { maxUnits: 16, maxInputs: 8, maxLinear: 6 };

// layers: [{type, category}] in order; shapes: {index: outputShape}
// inputShape: the dataset's input shape.
export function mlpColumns(inputShape, layers, shapes, limits = NEURON_LIMITS) {
  if (!Array.isArray(inputShape) || inputShape.length !== 1 || inputShape[0] > limits.maxInputs) return null;
  const columns = [{ units: inputShape[0], type: "input", index: null, activation: null }];
  let linear = 0;
  for (const [index, layer] of layers.entries()) {
    if (layer.type === "Linear") {
      const shape = shapes[index];
      if (!Array.isArray(shape) || shape.length !== 1 || shape[0] > limits.maxUnits) return null;
      linear += 1;
      columns.push({ units: shape[0], type: "Linear", index, activation: null });
    } else if (layer.category === "activation" || layer.category === "regularization") {
      if (layer.category === "activation" && columns.length > 1) columns[columns.length - 1].activation = layer.type;
    } else {
      return null;
    }
  }
  if (linear === 0 || linear > limits.maxLinear) return null;
  return columns;
}

export function neuronLayout(columns, { width = 480, maxGap = 18, maxSpan = 150, padX = 60, padY = 20 } = {}) {
  const maxUnits = Math.max(...columns.map((column) => column.units));
  // Wide layers squeeze together so the diagram stays about the same height.
  const unitGap = maxUnits > 1 ? Math.min(maxGap, maxSpan / (maxUnits - 1)) : maxGap;
  const radius = Math.max(3.5, Math.min(6, unitGap / 2 - 1.5));
  const height = padY * 2 + (maxUnits - 1) * unitGap + 16;
  const step = columns.length > 1 ? (width - 2 * padX) / (columns.length - 1) : 0;
  const midY = height / 2 - 8;
  const placed = columns.map((column, c) => {
    const x = padX + c * step;
    const top = midY - ((column.units - 1) * unitGap) / 2;
    const nodes = Array.from({ length: column.units }, (_, u) => ({ x, y: top + u * unitGap }));
    return { ...column, x, nodes };
  });
  const edges = [];
  for (let c = 1; c < placed.length; c += 1) {
    for (const from of placed[c - 1].nodes) {
      for (const to of placed[c].nodes) edges.push({ x1: from.x, y1: from.y, x2: to.x, y2: to.y, column: c });
    }
  }
  return { width, height, radius, columns: placed, edges, labelY: height - 8 };
}

// Boxes in a row; `items`: [{label, detail, index, invalid}]
export function boxLayout(items, { boxWidth = 92, boxHeight = 46, gap = 22, pad = 12 } = {}) {
  const boxes = items.map((item, i) => ({ ...item, x: pad + i * (boxWidth + gap), y: pad, width: boxWidth, height: boxHeight }));
  const arrows = boxes.slice(1).map((box, i) => ({
    x1: boxes[i].x + boxWidth,
    x2: box.x,
    y: pad + boxHeight / 2,
  }));
  const width = pad * 2 + Math.max(0, items.length * boxWidth + (items.length - 1) * gap);
  return { width, height: boxHeight + pad * 2, boxes, arrows };
}
