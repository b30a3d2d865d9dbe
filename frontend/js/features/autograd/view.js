// The Autograd view: edit named inputs and lines of code (or load an example), run them
// on the server's real torch, see the computation graph (values on the forward edges,
// gradients on the backward ones) and step through backward() node by node.
// Every user string reaches the page through textContent (h's `text`), never as HTML.

import { h, replaceChildren, svg } from "../../ui/dom.js";
import { fitTensor, formatShape, formatTensor, mathLabel } from "./format.js";
import { backwardSteps, edgeGeometry, edgeKey, layoutGraph, stepState } from "./graph.js";
import { editorFromRequest, fieldErrors, requestFromEditor } from "./request.js";

export function createAutogradView({ root, store, api }) {
  const state = {
    examples: null, // [{id, title, note, request}] once loaded
    loadError: null,
    exampleId: null,
    editor: editorFromRequest(null),
    result: null,
    steps: [],
    done: 0, // backward steps shown
    output: "", // the name backward() was called on, for ∂out/∂… labels
    errors: { fields: {}, general: [] },
    running: false,
  };
  const t = () => store.get().t;

  const editorPanel = h("section", { class: "panel ag-editor", dataset: { testid: "autograd-editor" } });
  const graphPanel = h("section", { class: "panel ag-graph-panel", dataset: { testid: "autograd-result" } });
  replaceChildren(root, editorPanel, graphPanel);

  async function loadExamples() {
    if (state.examples) return;
    try {
      const answer = await api.autogradExamples();
      state.examples = answer.examples ?? [];
      state.loadError = null;
      if (state.examples.length) useExample(state.examples[0].id);
    } catch (error) {
      state.loadError = error.message;
      renderEditor();
    }
  }

  function useExample(id) {
    const example = state.examples?.find((entry) => entry.id === id);
    if (!example) return;
    state.exampleId = id;
    state.editor = editorFromRequest(example.request);
    renderEditor();
    run();
  }

  async function run() {
    const built = requestFromEditor(state.editor);
    if (built.errors) {
      const fields = Object.fromEntries(built.errors.map((error) => [error.field, t()(error.key, error.vars)]));
      setErrors({ fields, general: [] });
      return;
    }
    state.running = true;
    setErrors({ fields: {}, general: [] });
    renderRunButton();
    try {
      const result = await api.autograd(built.body);
      state.result = result;
      state.steps = backwardSteps(result);
      state.done = 0;
      state.output = built.body.backward ?? "";
    } catch (error) {
      state.result = null;
      state.steps = [];
      setErrors(error.status === 422 ? fieldErrors(error.detail, state.editor) : { fields: {}, general: [error.message] });
    } finally {
      state.running = false;
      renderRunButton();
      renderResult();
    }
  }

  // ---- the editor ----------------------------------------------------------
  let errorSlots = new Map(); // field key → element showing its message
  let runButton = null;
  let generalErrors = null;

  function renderEditor() {
    errorSlots = new Map();
    const example = state.examples?.find((entry) => entry.id === state.exampleId);
    const lang = t().lang;
    const picker = h(
      "select",
      {
        class: "ag-example",
        dataset: { testid: "autograd-example" },
        "aria-label": t()("autograd.examples"),
        onchange: (event) => useExample(event.target.value),
      },
      state.exampleId ? null : h("option", { value: "", text: t()("autograd.chooseExample") }),
      (state.examples ?? []).map((entry) =>
        h("option", { value: entry.id, selected: entry.id === state.exampleId, text: entry.title?.[lang] ?? entry.title?.en ?? entry.id }),
      ),
    );
    const note = example ? h("p", { class: "ag-note", dataset: { testid: "autograd-note" }, text: example.note?.[lang] ?? example.note?.en ?? "" }) : null;
    runButton = h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "autograd-run" }, onclick: run });
    generalErrors = h("div", { class: "ag-errors", role: "alert", dataset: { testid: "autograd-error" } });
    replaceChildren(
      editorPanel,
      h(
        "div",
        { class: "panel-head" },
        h("div", { class: "title-group" }, h("h2", { class: "panel-title", text: t()("autograd.title") }), h("span", { class: "muted small", text: t()("autograd.subtitle") })),
        h("div", { class: "panel-head-right" }, h("span", { class: "muted small nowrap", text: t()("autograd.examples") }), picker),
      ),
      state.loadError ? h("p", { class: "ag-errors", text: t()("autograd.examplesFailed", { message: state.loadError }) }) : null,
      note,
      h("div", { class: "ag-editor-grid" }, inputsBlock(), codeBlock()),
      h("div", { class: "ag-run-row" }, runButton, h("span", { class: "muted small", text: t()("autograd.runHint") })),
      generalErrors,
    );
    renderRunButton();
    showErrors();
  }

  function inputsBlock() {
    const rows = state.editor.inputs.map((input, index) => {
      const name = h("input", {
        type: "text",
        class: "ag-input-name",
        value: input.name,
        spellcheck: "false",
        "aria-label": t()("autograd.inputName"),
        dataset: { testid: `autograd-input-name-${index}` },
        oninput: (event) => (input.name = event.target.value),
      });
      const value = h("input", {
        type: "text",
        class: "ag-input-value",
        value: input.value,
        spellcheck: "false",
        "aria-label": t()("autograd.inputValue"),
        dataset: { testid: `autograd-input-value-${index}` },
        oninput: (event) => (input.value = event.target.value),
        onkeydown: runOnCtrlEnter,
      });
      const grad = h(
        "label",
        { class: "ag-check", title: t()("autograd.requiresGradHelp") },
        h("input", {
          type: "checkbox",
          checked: input.requiresGrad,
          dataset: { testid: `autograd-input-grad-${index}` },
          onchange: (event) => (input.requiresGrad = event.target.checked),
        }),
        h("span", { class: "mono small", text: "requires_grad" }),
      );
      const remove = h("button", {
        type: "button",
        class: "icon-btn danger",
        title: t()("autograd.removeInput"),
        "aria-label": t()("autograd.removeInput"),
        text: "×",
        onclick: () => {
          state.editor.inputs.splice(index, 1);
          renderEditor();
        },
      });
      return h("div", { class: "ag-input-row" }, name, h("span", { class: "ag-eq", text: "=" }), value, grad, remove, errorSlot(`input:${index}`));
    });
    const add = h("button", {
      type: "button",
      class: "btn btn-small",
      text: t()("autograd.addInput"),
      dataset: { testid: "autograd-add-input" },
      onclick: () => {
        state.editor.inputs.push({ name: freeName(), value: "1.0", requiresGrad: true });
        renderEditor();
      },
    });
    return h("div", { class: "ag-block" }, h("h3", { class: "subhead", text: t()("autograd.inputs") }), rows, add);
  }

  function codeBlock() {
    const lines = state.editor.code.map((line, index) =>
      h(
        "div",
        { class: "ag-line" },
        h("span", { class: "ag-line-no", text: String(index + 1) }),
        h("input", {
          type: "text",
          class: "ag-code",
          value: line,
          spellcheck: "false",
          "aria-label": t()("autograd.line", { n: index + 1 }),
          dataset: { testid: `autograd-line-${index}` },
          oninput: (event) => (state.editor.code[index] = event.target.value),
          onkeydown: runOnCtrlEnter,
        }),
        h("button", {
          type: "button",
          class: "icon-btn danger",
          title: t()("autograd.removeLine"),
          "aria-label": t()("autograd.removeLine"),
          text: "×",
          onclick: () => {
            state.editor.code.splice(index, 1);
            renderEditor();
          },
        }),
        errorSlot(`code:${index}`),
      ),
    );
    const add = h("button", {
      type: "button",
      class: "btn btn-small",
      text: t()("autograd.addLine"),
      dataset: { testid: "autograd-add-line" },
      onclick: () => {
        state.editor.code.push("");
        renderEditor();
        editorPanel.querySelector(`[data-testid=autograd-line-${state.editor.code.length - 1}]`)?.focus();
      },
    });
    const backward = h(
      "div",
      { class: "ag-backward" },
      h("span", { class: "mono", text: t()("autograd.backwardCall") }),
      h("input", {
        type: "text",
        class: "ag-input-name",
        value: state.editor.backward,
        spellcheck: "false",
        placeholder: t()("autograd.backwardNone"),
        "aria-label": t()("autograd.backward"),
        dataset: { testid: "autograd-backward" },
        oninput: (event) => (state.editor.backward = event.target.value),
        onkeydown: runOnCtrlEnter,
      }),
      h("span", { class: "mono", text: ".backward()" }),
      errorSlot("backward"),
    );
    return h(
      "div",
      { class: "ag-block" },
      h("h3", { class: "subhead", text: t()("autograd.code") }),
      h("p", { class: "muted small", text: t()("autograd.codeHelp") }),
      lines,
      add,
      backward,
    );
  }

  function errorSlot(field) {
    const slot = h("div", { class: "field-error ag-field-error", dataset: { testid: `autograd-error-${field.replace(":", "-")}` } });
    errorSlots.set(field, slot);
    return slot;
  }

  function runOnCtrlEnter(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run();
  }

  function freeName() {
    const taken = new Set(state.editor.inputs.map((input) => input.name.trim()));
    return ["a", "b", "c", "u", "v", "w", "p", "q"].find((name) => !taken.has(name)) ?? `x${taken.size}`;
  }

  function setErrors(errors) {
    state.errors = errors;
    showErrors();
  }

  function showErrors() {
    for (const [field, slot] of errorSlots) {
      slot.textContent = state.errors.fields[field] ?? "";
      slot.parentElement?.classList.toggle("invalid", Boolean(state.errors.fields[field]));
    }
    if (generalErrors) replaceChildren(generalErrors, state.errors.general.map((message) => h("p", { text: message })));
  }

  function renderRunButton() {
    if (!runButton) return;
    runButton.disabled = state.running;
    runButton.textContent = t()(state.running ? "autograd.running" : "autograd.run");
  }

  // ---- the graph and the steps ---------------------------------------------
  function renderResult() {
    const result = state.result;
    if (!result) {
      replaceChildren(graphPanel, h("div", { class: "panel-head" }, h("h2", { class: "panel-title", text: t()("autograd.graph") })), h("p", { class: "empty-note", text: t()("autograd.empty") }));
      return;
    }
    const stepped = stepState(state.steps, state.done);
    const scroll = h("div", { class: "ag-graph-scroll" });
    replaceChildren(
      graphPanel,
      h(
        "div",
        { class: "panel-head" },
        h("div", { class: "title-group" }, h("h2", { class: "panel-title", text: t()("autograd.graph") }), h("span", { class: "muted small", text: t()("autograd.legend") })),
        gradsSummary(result),
      ),
      scroll,
      stepControls(),
      stepExplanation(result),
    );
    // Drawn once its box is in the page, to the width it has there.
    replaceChildren(scroll, drawGraph(result, stepped, scroll.clientWidth || 1100));
  }

  function gradsSummary(result) {
    const entries = Object.entries(result.grads ?? {});
    return h(
      "div",
      { class: "ag-grads", dataset: { testid: "autograd-grads" } },
      entries.length ? null : h("span", { class: "muted small", text: t()("autograd.noGrads") }),
      entries.map(([name, grad]) =>
        h("span", { class: "chip ag-grad-chip", dataset: { testid: `autograd-grad-${name}` } }, h("b", { text: `${name}.grad` }), ` = ${formatTensor(grad, { maxItems: 6 })}`),
      ),
    );
  }

  function label(node) {
    return node.name ?? node.label;
  }

  function drawGraph(result, stepped, width) {
    const layout = layoutGraph(result.nodes, { fitWidth: width });
    const edgeChars = Math.floor((layout.columnWidth - layout.nodeWidth - 8) / CHAR_WIDTH);
    const nodeChars = Math.floor((layout.nodeWidth + 40) / CHAR_WIDTH);
    const byId = new Map(result.nodes.map((node) => [node.id, node]));
    const consumed = new Set(result.nodes.flatMap((node) => node.inputs));
    const edges = [];
    const labels = []; // drawn above every line, so no later edge crosses a label
    for (const edge of layout.edges) {
      const { path, mid } = edgeGeometry(layout, edge);
      const source = byId.get(edge.from);
      const grad = byId.get(edge.to).input_grads[edge.index];
      const sent = stepped.sent.has(edgeKey(edge));
      edges.push(
        svg(
          "g",
          { class: ["ag-edge", sent && "sent"], dataset: { testid: "autograd-edge", from: edge.from, to: edge.to } },
          svg("path", { d: path, class: "ag-forward", "marker-end": "url(#ag-arrow)" }),
          sent ? svg("path", { d: path, class: "ag-backward", transform: "translate(0 5)", "marker-start": "url(#ag-arrow-back)" }) : null,
        ),
      );
      // A pair of edges (y * y): the value once, above; each gradient on its outer side.
      if (edge.bend <= 0) labels.push(edgeLabel(mid[0], mid[1] - 7, fitTensor(source.value, edgeChars), "ag-edge-value"));
      if (sent && grad !== null) labels.push(edgeLabel(mid[0], edge.bend < 0 ? mid[1] - 22 : mid[1] + 20, fitTensor(grad, edgeChars), "ag-edge-grad", "autograd-edge-grad"));
    }
    const nodes = result.nodes.map((node) => {
      const { x, y } = layout.positions.get(node.id);
      const known = stepped.known.has(node.id);
      const caption = node.grad_fn ?? (node.kind === "input" ? (node.requires_grad ? "requires_grad" : t()("autograd.leaf")) : node.kind === "constant" ? t()("autograd.constant") : "");
      return svg(
        "g",
        {
          class: ["ag-node", `ag-${node.kind}`, node.requires_grad && "needs-grad", known && "known", stepped.current === node.id && "current"],
          transform: `translate(${x} ${y})`,
          dataset: { testid: `autograd-node-${node.id}`, name: node.name ?? "" },
        },
        svg("title", { text: `${node.label} · ${formatShape(node.shape)}` }),
        svg("rect", { width: layout.nodeWidth, height: layout.nodeHeight, rx: 9 }),
        svg("text", { x: layout.nodeWidth / 2, y: 21, class: "ag-node-label", "text-anchor": "middle", text: clip(label(node), 17) }),
        svg("text", { x: layout.nodeWidth / 2, y: 39, class: "ag-node-caption", "text-anchor": "middle", text: clip(caption, 19) }),
        consumed.has(node.id) ? null : svg("text", { x: layout.nodeWidth / 2, y: -8, class: "ag-node-value", "text-anchor": "middle", text: `= ${fitTensor(node.value, nodeChars - 2)}` }),
        known && node.grad !== null
          ? svg("text", { x: layout.nodeWidth / 2, y: layout.nodeHeight + 16, class: "ag-node-grad", "text-anchor": "middle", dataset: { testid: "autograd-node-grad" }, text: `grad ${fitTensor(node.grad, nodeChars - 5)}` })
          : null,
      );
    });
    return svg(
      "svg",
      { class: "ag-graph", width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}`, role: "img", "aria-label": t()("autograd.graph"), dataset: { testid: "autograd-graph" } },
      svg(
        "defs",
        {},
        svg("marker", { id: "ag-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, svg("path", { d: "M0,0 L10,5 L0,10 z", class: "ag-arrow" })),
        svg(
          "marker",
          { id: "ag-arrow-back", viewBox: "0 0 10 10", refX: 1, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
          svg("path", { d: "M0,0 L10,5 L0,10 z", class: "ag-arrow-back" }),
        ),
      ),
      edges,
      labels,
      nodes,
    );
  }

  function stepControls() {
    const total = state.steps.length;
    const go = (done) => () => {
      state.done = Math.max(0, Math.min(total, done));
      renderResult();
    };
    const button = (key, testid, target, disabled) => h("button", { type: "button", class: "btn btn-small", dataset: { testid }, disabled, text: t()(key), onclick: go(target) });
    return h(
      "div",
      { class: "ag-step-controls" },
      button("autograd.stepFirst", "autograd-step-first", 0, state.done === 0),
      button("autograd.stepBack", "autograd-step-back", state.done - 1, state.done === 0),
      button("autograd.stepNext", "autograd-step-next", state.done + 1, state.done >= total),
      button("autograd.stepLast", "autograd-step-last", total, state.done >= total),
      h("span", { class: "ag-step-count", dataset: { testid: "autograd-step-count" }, text: total ? t()("autograd.stepCount", { n: state.done, total }) : t()("autograd.noBackward") }),
    );
  }

  function stepExplanation(result) {
    const box = h("div", { class: "ag-step", dataset: { testid: "autograd-step-text" }, "aria-live": "polite" });
    if (!state.steps.length) return null;
    if (state.done === 0) {
      replaceChildren(box, h("p", { class: "muted", text: t()("autograd.stepIntro", { out: state.output }) }));
      return box;
    }
    const byId = new Map(result.nodes.map((node) => [node.id, node]));
    const step = state.steps[state.done - 1];
    const node = byId.get(step.node);
    const out = state.output;
    const name = label(node);
    const d = (of) => `∂${out}/∂${mathLabel(of)}`;
    const lines = [h("h3", { class: "ag-step-title", text: t()("autograd.stepTitle", { n: state.done, total: state.steps.length, node: name, fn: node.grad_fn ?? "AccumulateGrad" }) })];
    if (step.isOutput) lines.push(h("p", { text: t()("autograd.stepSeed", { d: d(name) }) }));
    for (const edge of step.incoming) {
      const consumer = byId.get(edge.from);
      lines.push(
        h(
          "p",
          { class: "ag-formula" },
          h("span", { class: "ag-formula-lhs", text: `${d(name)} +=` }),
          h("span", { text: ` ${d(label(consumer))} · ∂${mathLabel(label(consumer))}/∂${mathLabel(name)}` }),
          h("span", { class: "muted", text: `  = ${edge.rule}` }),
          h("span", { class: "ag-grad-text", text: `  = ${formatTensor(edge.grad, { maxItems: 6 })}` }),
          h("span", { class: "muted small", text: `  (g = ${d(label(consumer))})` }),
        ),
      );
    }
    lines.push(h("p", { class: "ag-total" }, h("b", { text: `${d(name)} = ` }), h("span", { class: "ag-grad-text", dataset: { testid: "autograd-step-grad" }, text: formatTensor(step.grad, { maxItems: 8 }) })));
    if (step.isLeaf) lines.push(h("p", { class: "muted", text: t()("autograd.stepLeaf", { name, grad: formatTensor(step.grad, { maxItems: 8 }) }) }));
    else if (step.outgoing.length) {
      lines.push(h("p", { class: "muted small", text: t()("autograd.stepSends", { g: d(name) }) }));
      for (const edge of step.outgoing) {
        const input = byId.get(edge.to);
        lines.push(
          h(
            "p",
            { class: "ag-formula ag-indent" },
            h("span", { text: `→ ${label(input)}:  ${edge.rule}` }),
            h("span", { class: "ag-grad-text", text: `  = ${formatTensor(edge.grad, { maxItems: 6 })}` }),
          ),
        );
      }
    }
    replaceChildren(box, lines);
    return box;
  }

  store.watch(
    (s) => s.t,
    () => {
      if (state.examples || state.loadError) renderEditor();
      renderResult();
    },
    { immediate: false },
  );
  replaceChildren(editorPanel, h("p", { class: "muted", text: t()("boot.loading") }));
  renderResult();
  return { show: loadExamples };
}

const CHAR_WIDTH = 7; // px of one character of the 11px monospace labels

// A label on an edge, on a backing so the lines it sits on do not cross its text.
function edgeLabel(x, y, content, cls, testid) {
  const width = content.length * CHAR_WIDTH * 0.95 + 6;
  return svg(
    "g",
    { class: "ag-edge-label" },
    svg("rect", { x: x - width / 2, y: y - 11, width, height: 15, rx: 3, class: "ag-label-back" }),
    svg("text", { x, y, class: cls, "text-anchor": "middle", dataset: testid ? { testid } : undefined, text: content }),
  );
}

function clip(value, max) {
  const s = String(value ?? "");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
