// The "Code" tab: the job as a standalone PyTorch script, highlighted, with copy and
// download, plus links to the trained weights (state_dict, TorchScript, ONNX).
//
//   const tab = mountCodeTab(container, api, { jobId, t });  // api: extendApi(...)
//   tab.show(otherJobId);  tab.destroy();

import { escapeMarkup } from "../lib/escape.js";

const KEYWORDS = new Set(
  ("False None True and as assert break class continue def del elif else except finally for from global if " +
    "import in is lambda nonlocal not or pass raise return try while with yield").split(" "),
);
const TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|f?"(?:[^"\\\n]|\\.)*"|f?'(?:[^'\\\n]|\\.)*')|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_]\w*)/g;

// Python → HTML with <span class="tok-…"> for comments, strings, numbers, keywords, builtins.
export function highlightPython(source) {
  let out = "";
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    out += escapeMarkup(source.slice(last, match.index));
    const [text, comment, string, number, word] = match;
    let kind = null;
    if (comment) kind = "comment";
    else if (string) kind = "string";
    else if (number) kind = "number";
    else if (word && KEYWORDS.has(word)) kind = "keyword";
    else if (word && /^(nn|torch|np|self|super|print|range|len|min|int|float)$/.test(word)) kind = "builtin";
    out += kind ? `<span class="tok-${kind}">${escapeMarkup(text)}</span>` : escapeMarkup(text);
    last = match.index + text.length;
  }
  return out + escapeMarkup(source.slice(last));
}

const FORMATS = [
  ["state_dict", "state_dict (safetensors)"],
  ["torchscript", "TorchScript"],
  ["onnx", "ONNX"],
];

// trained: false shows a note instead of weight links (they exist once the job has ended).
export function mountCodeTab(container, api, { jobId = null, trained = true, t = (key, vars) => vars?.fallback ?? key } = {}) {
  const root = document.createElement("section");
  root.className = "code-tab";
  root.dataset.testid = "code-tab";
  root.innerHTML = `
    <div class="code-tab-actions">
      <button type="button" class="btn btn-small" data-action="copy" data-testid="code-copy"></button>
      <button type="button" class="btn btn-small" data-action="download" data-testid="code-download"></button>
      <span class="code-tab-weights"></span>
      <span class="code-tab-status" role="status"></span>
    </div>
    <pre class="code-tab-source" data-testid="code-source"><code class="language-python"></code></pre>`;
  container.append(root);
  const code = root.querySelector("code");
  const status = root.querySelector(".code-tab-status");
  const weights = root.querySelector(".code-tab-weights");
  root.querySelector("[data-action=copy]").textContent = t("code.copy", { fallback: "Copy" });
  root.querySelector("[data-action=download]").textContent = t("code.download", { fallback: "Download .py" });
  let source = "";
  let current = null;

  root.querySelector("[data-action=copy]").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source);
      status.textContent = t("code.copied", { fallback: "Copied" });
    } catch {
      status.textContent = t("code.copy_failed", { fallback: "Copy failed: select the code instead" });
    }
  });
  root.querySelector("[data-action=download]").addEventListener("click", () => {
    saveBlob(new Blob([source], { type: "text/x-python" }), `torchplay_${current}.py`);
  });
  // The links name the export without the token; a click fetches it with the header.
  weights.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-format]");
    if (!link) return;
    event.preventDefault();
    try {
      const { blob, filename } = await api.download(current, link.dataset.format);
      saveBlob(blob, filename);
    } catch (error) {
      status.textContent = error.message;
    }
  });

  async function show(id) {
    current = id;
    if (!id) return;
    status.textContent = t("code.loading", { fallback: "Loading…" });
    try {
      source = await api.exportText(id);
      if (current !== id) return;
      code.innerHTML = highlightPython(source);
      status.textContent = "";
    } catch (error) {
      status.textContent = error.message;
    }
    if (!trained) {
      weights.textContent = t("code.weightsNote", { fallback: "Weights download once the job has ended." });
      return;
    }
    weights.replaceChildren(
      t("code.weights", { fallback: "Weights:" }),
      ...FORMATS.map(([format, label]) => {
        const link = Object.assign(document.createElement("a"), { href: api.exportUrl(id, format), textContent: label, download: "" });
        link.dataset.format = format;
        return link;
      }),
    );
  }

  show(jobId);
  return { show, destroy: () => root.remove(), get source() { return source; } };
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  Object.assign(document.createElement("a"), { href: url, download: filename }).click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
