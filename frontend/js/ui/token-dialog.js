// A small modal that asks for the server's API token (instead of window.prompt).
// ask(reason) resolves with the typed token, or null when the person cancels.
// reason: "required" (the server wants one) or "wrong" (the one sent was refused).

import { h } from "./dom.js";

export function createTokenDialog({ t }) {
  const input = h("input", {
    type: "password",
    id: "token-input",
    autocomplete: "current-password",
    spellcheck: "false",
    dataset: { testid: "token-input" },
  });
  const title = h("h2", { class: "dialog-title", id: "token-title" });
  const body = h("p", { class: "dialog-body" });
  const message = h("p", { class: "dialog-error", role: "alert", hidden: true, dataset: { testid: "token-error" } });
  const label = h("label", { for: "token-input", class: "dialog-label" });
  const cancel = h("button", { type: "button", class: "btn btn-ghost", value: "cancel", dataset: { testid: "token-cancel" } });
  const submit = h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "token-submit" } });
  const form = h(
    "form",
    { method: "dialog", class: "dialog-form" },
    title,
    body,
    label,
    input,
    message,
    h("div", { class: "dialog-actions" }, cancel, submit),
  );
  const dialog = h("dialog", { class: "dialog token-dialog", "aria-labelledby": "token-title", dataset: { testid: "token-dialog" } }, form);
  document.body.append(dialog);

  let settle = null;
  const finish = (value) => {
    const done = settle;
    settle = null;
    if (dialog.open) dialog.close();
    done?.(value);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!input.value.trim()) {
      input.focus();
      return;
    }
    finish(input.value.trim());
  });
  cancel.addEventListener("click", () => finish(null));
  dialog.addEventListener("cancel", (event) => {
    // Esc: same as the Cancel button.
    event.preventDefault();
    finish(null);
  });

  function ask(reason = "required") {
    const tr = t();
    title.textContent = tr("token.title");
    body.textContent = tr("token.body");
    label.textContent = tr("token.label");
    input.placeholder = tr("token.placeholder");
    cancel.textContent = tr("common.cancel");
    submit.textContent = tr("token.submit");
    message.hidden = reason !== "wrong";
    message.textContent = reason === "wrong" ? tr("token.wrong") : "";
    input.value = "";
    dialog.dataset.reason = reason;
    return new Promise((resolve) => {
      settle = resolve;
      if (!dialog.open) dialog.showModal();
      input.focus();
    });
  }

  return { ask };
}
