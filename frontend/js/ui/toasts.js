// Readable messages for failed requests and dropped connections, stacked in a
// corner. Errors stay until dismissed or for 10 s; the same text is not repeated.

import { h } from "./dom.js";

export function createNotifier(container, { closeLabel = () => "×" } = {}) {
  const shown = new Map();

  // Returns {close()} so a message can be withdrawn when it stops being true.
  function show(kind, message, timeout) {
    if (!message) return { close() {} };
    const existing = shown.get(message);
    if (existing) {
      existing.el.classList.remove("pulse");
      void existing.el.offsetWidth;
      existing.el.classList.add("pulse");
      return existing;
    }
    const close = () => {
      if (shown.get(message)?.el !== toast) return;
      toast.classList.add("leaving");
      shown.delete(message);
      setTimeout(() => toast.remove(), 180);
    };
    const toast = h(
      "div",
      { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status", dataset: { testid: `toast-${kind}` } },
      h("span", { class: "toast-icon", "aria-hidden": "true", text: kind === "error" ? "!" : kind === "warn" ? "⚠" : "✓" }),
      h("span", { class: "toast-text", text: message }),
      h("button", { type: "button", class: "toast-close", "aria-label": closeLabel(), text: "×", onclick: close }),
    );
    const handle = { el: toast, close };
    shown.set(message, handle);
    container.append(toast);
    setTimeout(close, timeout);
    return handle;
  }

  return {
    error: (message) => show("error", message, 10000),
    warn: (message) => show("warn", message, 6000),
    info: (message) => show("info", message, 3500),
  };
}
