// The training doctor's findings on the watched job: the network's layers, each with the
// kinds found on it beside it, and below them every finding with its evidence, what it
// means and what to change, in the page's language (the server sends both).
//
//   const doctor = mountFindings(container, { t, layerNames: ["Linear", "ReLU", …] });
//   doctor.update(findings); // lib/findings.js addFindings

import { evidenceRows, findingsByLayer, wordsIn } from "../lib/findings.js";
import { h, replaceChildren } from "../ui/dom.js";

export function mountFindings(container, { t, layerNames = [] }) {
  const layersEl = h("ol", { class: "doctor-layers", dataset: { testid: "doctor-layers" } });
  const listEl = h("div", { class: "findings-list", dataset: { testid: "findings-list" } });
  const note = h("p", { class: "muted small", dataset: { testid: "doctor-note" } });
  const root = h("div", { class: "doctor", dataset: { testid: "doctor-findings" } }, note, layersEl, listEl);
  container.append(root);
  let findings = [];

  const kindName = (kind) => (t.has(`finding.kind.${kind}`) ? t(`finding.kind.${kind}`) : kind);
  const cardId = (index) => `finding-${index}`;

  function where(finding) {
    if (!Number.isInteger(finding.layer)) return t("finding.wholeRun");
    return t("finding.layer", { index: finding.layer, type: layerNames[finding.layer] ?? "?" });
  }

  // One badge per kind on a layer (a rewound run may find the same again), at its first card.
  function byKind(found) {
    const kinds = new Map();
    for (const one of found) {
      const seen = kinds.get(one.finding.kind);
      if (seen) seen.times += 1;
      else kinds.set(one.finding.kind, { ...one, times: 1 });
    }
    return [...kinds.values()];
  }

  function badge(finding, index, times) {
    return h("button", {
      type: "button",
      class: `finding-badge kind-${finding.kind}`,
      dataset: { testid: "finding-badge", kind: finding.kind, times: String(times) },
      text: times > 1 ? `${kindName(finding.kind)} ×${times}` : kindName(finding.kind),
      onclick: () => {
        const card = root.querySelector(`#${cardId(index)}`);
        card?.scrollIntoView({ block: "nearest", behavior: "smooth" });
        card?.focus();
      },
    });
  }

  function layerRow(layer, name, found) {
    return h(
      "li",
      { class: ["doctor-layer", found.length && "has-finding"], dataset: { testid: "doctor-layer", layer: layer === null ? "run" : String(layer) } },
      h("span", { class: "doctor-layer-index", text: layer === null ? "∗" : String(layer) }),
      h("span", { class: "doctor-layer-name", text: name }),
      h("span", { class: "doctor-badges" }, byKind(found).map(({ finding, index, times }) => badge(finding, index, times))),
    );
  }

  function card(finding, index) {
    const evidence = evidenceRows(finding.evidence);
    return h(
      "article",
      { class: `finding kind-${finding.kind}`, id: cardId(index), tabindex: "-1", dataset: { testid: "finding", kind: finding.kind, layer: Number.isInteger(finding.layer) ? String(finding.layer) : "run" } },
      h(
        "header",
        { class: "finding-head" },
        h("span", { class: `finding-badge kind-${finding.kind}`, text: kindName(finding.kind) }),
        h("span", { class: "finding-where", text: where(finding) }),
        h("span", { class: "muted small", text: finding.epoch ? t("finding.epoch", { epoch: finding.epoch }) : t("finding.check") }),
      ),
      evidence.length
        ? h("dl", { class: "finding-evidence", dataset: { testid: "finding-evidence" } }, evidence.map(([name, text]) => [h("dt", { text: name }), h("dd", { text })]))
        : null,
      h("p", { class: "finding-explanation", dataset: { testid: "finding-explanation" }, text: wordsIn(finding.explanation, t.lang) }),
      h(
        "p",
        { class: "finding-suggestion", dataset: { testid: "finding-suggestion" } },
        h("strong", { text: t("finding.try") }),
        " ",
        wordsIn(finding.suggestion, t.lang),
      ),
    );
  }

  // The job's layers, and any a finding names before the job's record has arrived.
  const layerCount = () => Math.max(layerNames.length, ...findings.map((finding) => (Number.isInteger(finding.layer) ? finding.layer + 1 : 0)));

  function render() {
    const indexed = findings.map((finding, index) => ({ finding, index }));
    const groups = findingsByLayer(findings);
    const on = (layer) => indexed.filter(({ finding }) => (Number.isInteger(finding.layer) ? finding.layer : null) === layer);
    note.textContent = findings.length ? t("finding.count", { n: findings.length }) : t("finding.none");
    root.dataset.count = String(findings.length);
    replaceChildren(
      layersEl,
      Array.from({ length: layerCount() }, (_, layer) => layerRow(layer, layerNames[layer] ?? "?", on(layer))),
      groups.has(null) ? layerRow(null, t("finding.wholeRun"), on(null)) : null,
    );
    replaceChildren(listEl, indexed.map(({ finding, index }) => card(finding, index)));
  }

  render();
  return {
    update(next) {
      if (next === findings) return;
      findings = next;
      render();
    },
    setLayerNames(names) {
      layerNames = names;
      render();
    },
    destroy: () => root.remove(),
  };
}
