// The share dialog: make a read-only link to one job (optionally expiring, optionally
// with the trained model), copy it, and revoke the links already made. Revoking ends
// the viewers' streams at once (the server closes them).

import { h, replaceChildren } from "./dom.js";

const EXPIRIES = [null, 3600, 86400, 7 * 86400]; // seconds; null: until revoked

export function createShareDialog({ t, api, notify, origin = globalThis.location?.origin ?? "" }) {
  const title = h("h2", { class: "dialog-title", id: "share-title" });
  const body = h("p", { class: "dialog-body" });
  const expiry = h("select", { id: "share-expiry", dataset: { testid: "share-expiry" } });
  const expiryLabel = h("label", { for: "share-expiry", class: "dialog-label" });
  const weights = h("input", { type: "checkbox", id: "share-weights", dataset: { testid: "share-weights" } });
  const weightsLabel = h("label", { for: "share-weights", class: "dialog-check" }, weights, h("span"));
  const make = h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "share-make" } });
  const made = h("input", { type: "text", readonly: true, class: "share-url", hidden: true, dataset: { testid: "share-url" } });
  const copy = h("button", { type: "button", class: "btn", hidden: true, dataset: { testid: "share-copy" } });
  const list = h("ul", { class: "share-list", dataset: { testid: "share-list" } });
  const close = h("button", { type: "button", class: "btn btn-ghost", dataset: { testid: "share-close" } });
  const dialog = h(
    "dialog",
    { class: "dialog share-dialog", "aria-labelledby": "share-title", dataset: { testid: "share-dialog" } },
    h(
      "div",
      { class: "dialog-form" },
      title,
      body,
      expiryLabel,
      expiry,
      weightsLabel,
      h("div", { class: "dialog-actions" }, make),
      h("div", { class: "share-made" }, made, copy),
      list,
      h("div", { class: "dialog-actions" }, close),
    ),
  );
  document.body.append(dialog);
  let jobId = null;

  close.addEventListener("click", () => dialog.close());
  copy.addEventListener("click", async () => {
    made.select();
    try {
      await navigator.clipboard.writeText(made.value);
      notify.info(t()("share.copied"));
    } catch {
      notify.info(t()("share.copyByHand"));
    }
  });
  make.addEventListener("click", async () => {
    const seconds = EXPIRIES[Number(expiry.value)] ?? null;
    try {
      const share = await api.createShare(jobId, { ...(seconds ? { expires_in_s: seconds } : {}), allow_weights: weights.checked });
      made.value = origin + share.url;
      made.hidden = copy.hidden = false;
      made.select();
      await refresh();
    } catch (error) {
      notify.error(t()("share.failed", { message: error.message }));
    }
  });

  async function refresh() {
    const tr = t();
    let shares = [];
    try {
      shares = await api.shares(jobId);
    } catch (error) {
      notify.error(t()("share.failed", { message: error.message }));
    }
    const when = (seconds) => new Date(seconds * 1000).toLocaleString(tr.lang === "zh" ? "zh-CN" : "en-GB");
    replaceChildren(
      list,
      shares.length ? null : h("li", { class: "muted small", text: tr("share.none") }),
      shares.map((share) =>
        h(
          "li",
          { class: "share-row", dataset: { testid: "share-row", id: share.id } },
          h("span", { text: share.expires_at ? tr("share.until", { when: when(share.expires_at) }) : tr("share.forever") }),
          share.allow_weights ? h("span", { class: "tag", text: tr("share.withWeights") }) : null,
          h("button", {
            type: "button",
            class: "btn btn-ghost btn-small danger-text",
            dataset: { testid: "share-revoke" },
            text: tr("share.revoke"),
            onclick: async () => {
              try {
                await api.revokeShare(jobId, share.id);
                notify.info(tr("share.revoked"));
              } catch (error) {
                notify.error(tr("share.failed", { message: error.message }));
              }
              await refresh();
            },
          }),
        ),
      ),
    );
  }

  function open(id) {
    const tr = t();
    jobId = id;
    title.textContent = tr("share.title");
    body.textContent = tr("share.body");
    expiryLabel.textContent = tr("share.expiry");
    replaceChildren(
      expiry,
      EXPIRIES.map((seconds, index) => h("option", { value: String(index), text: tr(seconds ? `share.expiry.${seconds}` : "share.expiry.never") })),
    );
    weightsLabel.lastChild.textContent = tr("share.allowWeights");
    weights.checked = false;
    make.textContent = tr("share.make");
    copy.textContent = tr("share.copy");
    close.textContent = tr("common.close");
    made.hidden = copy.hidden = true;
    made.value = "";
    if (!dialog.open) dialog.showModal();
    return refresh();
  }

  return { open };
}
