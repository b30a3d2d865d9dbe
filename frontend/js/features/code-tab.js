// The "Code" tab: the job as a standalone PyTorch script, highlighted, with copy and
// download, the same job as a Jupyter notebook, plus links to the trained weights
// (state_dict, TorchScript, ONNX).
//
//   const tab = mountCodeTab(container, api, { jobId, weights, t });  // api: lib/api.js
//   tab.show(otherJobId);  tab.destroy();

import { h, replaceChildren } from "../ui/dom.js";

const KEYWORDS = new Set(
  ("False None True and as assert break class continue def del elif else except finally for from global if " +
    "import in is lambda nonlocal not or pass raise return try while with yield").split(" "),
);
const BUILTINS = new Set(["nn", "torch", "np", "self", "super", "print", "range", "len", "min", "int", "float"]);
const TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|f?"(?:[^"\\\n]|\\.)*"|f?'(?:[^'\\\n]|\\.)*')|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_]\w*)/g;

// Python source → [[kind, text], …] covering it all, in order; kind is "comment", "string",
// "number", "keyword", "builtin" or null (plain text). The page shows each piece as a text
// node, so nothing in the source is ever read as markup.
export function pythonTokens(source) {
  const tokens = [];
  const plain = (text) => text && tokens.push([null, text]);
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    plain(source.slice(last, match.index));
    const [text, comment, string, number, word] = match;
    const kind = comment ? "comment" : string ? "string" : number ? "number" : KEYWORDS.has(word) ? "keyword" : BUILTINS.has(word) ? "builtin" : null;
    if (kind) tokens.push([kind, text]);
    else plain(text);
    last = match.index + text.length;
  }
  plain(source.slice(last));
  return tokens;
}

const FORMATS = [
  ["state_dict", "state_dict (safetensors)"],
  ["torchscript", "TorchScript"],
  ["onnx", "ONNX"],
];

// weights: whether the job's status allows its weights to be exported (the lifecycle
// table's `export_weights`); without, a note says when they will be.
export function mountCodeTab(container, api, { jobId = null, weights: hasWeights = true, t }) {
  const code = h("code", { class: "language-python" });
  const status = h("span", { class: "code-tab-status", role: "status" });
  const weights = h("span", { class: "code-tab-weights", onclick: downloadWeights });
  const root = h(
    "section",
    { class: "code-tab", dataset: { testid: "code-tab" } },
    h(
      "div",
      { class: "code-tab-actions" },
      h("button", { type: "button", class: "btn btn-small", dataset: { testid: "code-copy" }, text: t("code.copy"), onclick: copy }),
      h("button", { type: "button", class: "btn btn-small", dataset: { testid: "code-download" }, text: t("code.download"), onclick: downloadScript }),
      h("button", { type: "button", class: "btn btn-small", dataset: { testid: "code-notebook" }, text: t("code.notebook"), onclick: downloadNotebook }),
      weights,
      status,
    ),
    h("pre", { class: "code-tab-source", dataset: { testid: "code-source" } }, code),
  );
  container.append(root);
  let source = "";
  let current = null;

  async function copy() {
    try {
      await navigator.clipboard.writeText(source);
      status.textContent = t("code.copied");
    } catch {
      status.textContent = t("code.copy_failed");
    }
  }

  function downloadScript() {
    saveBlob(new Blob([source], { type: "text/x-python" }), `torchplay_${current}.py`);
  }

  // The tutorial's steps as notebook cells (GET …/export?format=ipynb), fetched with the header.
  async function downloadNotebook() {
    if (!current) return;
    try {
      const { blob, filename } = await api.download(current, "ipynb");
      saveBlob(blob, filename ?? `torchplay_${current}.ipynb`);
    } catch (error) {
      status.textContent = error.message;
    }
  }

  // The links name the export without the token; a click fetches it with the header.
  async function downloadWeights(event) {
    const link = event.target.closest("a[data-format]");
    if (!link) return;
    event.preventDefault();
    try {
      const { blob, filename } = await api.download(current, link.dataset.format);
      saveBlob(blob, filename ?? `torchplay_${current}.${link.dataset.format}`);
    } catch (error) {
      status.textContent = error.message;
    }
  }

  async function show(id) {
    current = id;
    if (!id) return;
    status.textContent = t("code.loading");
    try {
      const text = await api.exportText(id);
      if (current !== id) return;
      source = text;
      replaceChildren(code, pythonTokens(source).map(([kind, piece]) => (kind ? h("span", { class: `tok-${kind}`, text: piece }) : piece)));
      status.textContent = "";
    } catch (error) {
      status.textContent = error.message;
    }
    if (!hasWeights) {
      weights.textContent = t("code.weightsNote");
      return;
    }
    replaceChildren(
      weights,
      t("code.weights"),
      FORMATS.map(([format, label]) => h("a", { href: api.exportUrl(id, format), download: "", dataset: { format }, text: label })),
    );
  }

  show(jobId);
  return {
    show,
    destroy: () => root.remove(),
    get source() {
      return source;
    },
  };
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  h("a", { href: url, download: filename }).click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
