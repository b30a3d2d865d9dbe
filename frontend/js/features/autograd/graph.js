// The computation graph, laid out left (inputs) to right (the output), and backward()
// cut into steps. Pure functions over the server's answer, so the page and the tests
// share them.

// Columns: an operation sits one column right of its latest input; a leaf (an input or a
// constant) sits just left of the first operation that uses it, so no edge runs far.
// Within a column, nodes are ordered by the mean height of their inputs (fewer
// crossings), a leaf beside its consumer's other inputs, then spread evenly. With
// `fitWidth`, the columns spread to fill that width (within minColumn…maxColumn), so
// edges get room for their labels.
export function layoutGraph(nodes, { fitWidth = 0, minColumn = 180, maxColumn = 300, rowHeight = 110, nodeWidth = 124, nodeHeight = 52, pad = 24 } = {}) {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const isLeaf = (id) => (byId.get(id)?.inputs.length ?? 0) === 0;
  const consumers = new Map(nodes.map((node) => [node.id, []]));
  for (const node of nodes) for (const input of new Set(node.inputs)) consumers.get(input)?.push(node.id);
  const column = new Map();
  for (const node of nodes) {
    if (isLeaf(node.id)) column.set(node.id, 0);
    else column.set(node.id, 1 + Math.max(...node.inputs.map((id) => (isLeaf(id) ? 0 : column.get(id)))));
  }
  for (const node of nodes) {
    const users = consumers.get(node.id).map((id) => column.get(id));
    if (isLeaf(node.id) && users.length) column.set(node.id, Math.max(0, Math.min(...users) - 1));
  }
  const columns = Math.max(0, ...column.values()) + 1;
  const spread = columns > 1 ? (fitWidth - 2 * pad - nodeWidth) / (columns - 1) : minColumn;
  const columnWidth = Math.round(Math.min(maxColumn, Math.max(minColumn, spread)));
  const y = new Map();
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const placed = (ids) => ids.filter((id) => y.has(id)).map((id) => y.get(id));
  for (let c = 0; c < columns; c += 1) {
    const here = nodes.filter((node) => column.get(node.id) === c);
    const key = new Map();
    for (const node of here) {
      if (isLeaf(node.id)) continue;
      const above = placed(node.inputs);
      key.set(node.id, above.length ? mean(above) : node.id * rowHeight);
    }
    for (const node of here) {
      if (!isLeaf(node.id)) continue;
      const user = byId.get(consumers.get(node.id)[0]);
      const siblings = (user?.inputs ?? []).filter((id) => id !== node.id).map((id) => y.get(id) ?? key.get(id)).filter((v) => v !== undefined);
      key.set(node.id, siblings.length ? mean(siblings) + rowHeight / 2 : node.id * rowHeight);
    }
    const order = [...here].sort((a, b) => key.get(a.id) - key.get(b.id) || a.id - b.id);
    order.forEach((node, i) => y.set(node.id, (i - (order.length - 1) / 2) * rowHeight));
  }
  const top = Math.min(0, ...y.values());
  const bottom = Math.max(0, ...y.values());
  const positions = new Map(
    nodes.map((node) => [node.id, { x: pad + column.get(node.id) * columnWidth, y: pad + 18 + (y.get(node.id) - top), column: column.get(node.id) }]),
  );
  const edges = [];
  for (const node of nodes) {
    const seen = new Map();
    node.inputs.forEach((input, index) => {
      const repeat = seen.get(input) ?? 0; // y * y: the second edge bends the other way
      seen.set(input, repeat + 1);
      const twice = node.inputs.filter((id) => id === input).length > 1;
      edges.push({ from: input, to: node.id, index, bend: twice ? (repeat === 0 ? -1 : 1) : 0 });
    });
  }
  return {
    positions,
    edges,
    columnWidth,
    nodeWidth,
    nodeHeight,
    width: pad * 2 + (columns - 1) * columnWidth + nodeWidth,
    height: pad * 2 + 36 + (bottom - top) + nodeHeight,
  };
}

// An edge as a cubic curve from the right side of its input to the left of its node,
// and the point halfway along it (where its value and gradient labels go).
export function edgeGeometry(layout, edge) {
  const from = layout.positions.get(edge.from);
  const to = layout.positions.get(edge.to);
  const x1 = from.x + layout.nodeWidth;
  const y1 = from.y + layout.nodeHeight / 2;
  const x2 = to.x;
  const y2 = to.y + layout.nodeHeight / 2 + edge.bend * 10;
  const dx = Math.max(40, (x2 - x1) / 2);
  const lift = edge.bend * 26;
  const c1 = [x1 + dx, y1 + lift];
  const c2 = [x2 - dx, y2 + lift];
  const mid = [0.125 * x1 + 0.375 * c1[0] + 0.375 * c2[0] + 0.125 * x2, 0.125 * y1 + 0.375 * c1[1] + 0.375 * c2[1] + 0.125 * y2];
  return { path: `M${x1},${y1} C${c1[0]},${c1[1]} ${c2[0]},${c2[1]} ${x2},${y2}`, mid };
}

// backward() as steps, in the order the server gives (output first). Step k handles
// order[k]: the gradient arriving from each consumer already handled, their sum, and
// what it sends back along each input edge (with the chain-rule rule that computes it).
export function backwardSteps(result) {
  const byId = new Map(result.nodes.map((node) => [node.id, node]));
  const position = new Map(result.order.map((id, i) => [id, i]));
  return result.order.map((id) => {
    const node = byId.get(id);
    const incoming = [];
    for (const consumer of result.nodes) {
      if (!position.has(consumer.id)) continue;
      consumer.inputs.forEach((input, index) => {
        const grad = consumer.input_grads[index];
        if (input === id && grad !== null) incoming.push({ from: consumer.id, index, grad, rule: consumer.grad_rules[index] });
      });
    }
    const outgoing = node.inputs
      .map((input, index) => ({ to: input, index, grad: node.input_grads[index], rule: node.grad_rules[index] }))
      .filter((edge) => edge.grad !== null);
    return { node: id, isOutput: id === result.output, isLeaf: node.kind === "input", grad: node.grad, incoming, outgoing };
  });
}

// What the graph shows after `done` steps: the nodes whose gradient is known, the edges
// whose backward gradient has been sent, and the node being handled.
export function stepState(steps, done) {
  const handled = steps.slice(0, done);
  return {
    current: done > 0 ? steps[done - 1].node : null,
    known: new Set(handled.map((step) => step.node)),
    sent: new Set(handled.flatMap((step) => step.outgoing.map((edge) => `${edge.to}>${step.node}#${edge.index}`))),
  };
}

export const edgeKey = (edge) => `${edge.from}>${edge.to}#${edge.index}`;
