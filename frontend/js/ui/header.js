// Top bar tools: who am I, the server's torch version and devices, and the language switch.

import { h, replaceChildren } from "./dom.js";

const LANGUAGE_NAMES = { en: "English", zh: "中文" };

export function createHeader({ root, store, languages, onLanguage }) {
  function render() {
    const { t, lang, system, me } = store.get();
    const who = me
      ? h("span", {
          class: "whoami",
          dataset: { testid: "whoami" },
          text: me.anonymous ? t("people.viewer") : me.admin ? t("people.admin", { name: me.name }) : t("people.user", { name: me.name }),
        })
      : null;
    const info = system
      ? h(
          "span",
          { class: "system-info", dataset: { testid: "system-info" }, title: t("header.executor", { executor: system.executor ?? "local" }) },
          h("span", { class: "dot", "aria-hidden": "true" }),
          `torch ${system.torch_version ?? "?"}`,
          h("span", { class: "sep", "aria-hidden": "true", text: "·" }),
          (system.devices ?? []).join(", "),
        )
      : null;
    const switcher = h(
      "div",
      { class: "lang-switch", role: "group", "aria-label": t("header.language"), dataset: { testid: "lang-switch" } },
      languages.map((code) =>
        h("button", {
          type: "button",
          class: ["lang-btn", code === lang && "active"],
          "aria-pressed": String(code === lang),
          lang: code === "zh" ? "zh-CN" : "en",
          dataset: { lang: code, testid: `lang-${code}` },
          text: LANGUAGE_NAMES[code] ?? code,
          onclick: () => code !== lang && onLanguage(code),
        }),
      ),
    );
    replaceChildren(root, who, info, switcher);
  }
  store.subscribe((state, previous) => {
    if (state.t !== previous.t || state.system !== previous.system || state.me !== previous.me) render();
  });
  render();
}
