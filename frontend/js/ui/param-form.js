// A form generated from server-described fields (see lib/params.js). It owns the
// text the user is typing; valid values go out through `onChange`, invalid ones
// are marked in place and reported through `onInvalid`.

import { formatFieldValue, parseFieldValue } from "../lib/params.js";
import { h } from "./dom.js";

export function createParamForm({
  fields,
  values = {},
  onChange,
  onInvalid = () => {},
  t,
  idPrefix,
  collapse = true,
  exclude = [],
  testid = null,
}) {
  const shown = fields.filter((field) => !exclude.includes(field.name));
  const controls = new Map();
  const isPrimary = (field) => field.required || field.inferred || values[field.name] !== undefined;
  // collapse: true hides optional fields when there are many; "always" whenever any.
  const primary = (collapse === "always" || (collapse && shown.length > 3)) ? shown.filter(isPrimary) : shown;
  const extra = shown.filter((field) => !primary.includes(field));

  const grid = h("div", { class: "param-grid" }, primary.map(renderField));
  const root = h("div", { class: "param-form", dataset: testid ? { testid } : {} }, grid);
  if (extra.length) {
    const more = h("div", { class: "param-grid param-more", hidden: true }, extra.map(renderField));
    const toggle = h("button", {
      type: "button",
      class: "link-btn more-toggle",
      "aria-expanded": "false",
      text: t("form.moreOptions", { n: extra.length }),
      onclick: () => {
        more.hidden = !more.hidden;
        toggle.setAttribute("aria-expanded", String(!more.hidden));
        toggle.textContent = more.hidden ? t("form.moreOptions", { n: extra.length }) : t("form.fewerOptions");
      },
    });
    root.append(toggle, more);
  }
  if (!shown.length) root.append(h("p", { class: "muted small", text: t("form.noParams") }));

  function renderField(field) {
    const id = `${idPrefix}-${field.name}`;
    const message = h("div", { class: "field-error", id: `${id}-error`, role: "status" });
    const input = renderInput(field, id);
    const label = h(
      "label",
      { class: "field-label", for: id, title: field.description || field.name },
      h("span", { class: "field-name", text: field.label ?? field.name }),
      field.required && !field.inferred ? h("span", { class: "required", "aria-hidden": "true", text: "*" }) : null,
      field.description ? h("span", { class: "help", tabindex: "0", "data-tip": field.description, "aria-label": field.description, text: "?" }) : null,
    );
    const wrapper = h(
      "div",
      { class: ["field", `field-${field.type}`, field.type === "layers" && "field-wide", field.inferred && "field-inferred"], dataset: { field: field.name } },
      field.type === "boolean" ? h("div", { class: "field-check" }, input, label) : [label, input],
      message,
    );
    controls.set(field.name, { field, input, wrapper, message });
    return wrapper;
  }

  function renderInput(field, id) {
    const value = values[field.name];
    const common = { id, name: field.name, "aria-describedby": `${id}-error` };
    let input;
    if (field.type === "boolean") {
      input = h("input", { ...common, type: "checkbox", checked: Boolean(value ?? field.default) });
      input.addEventListener("change", () => commit(field, input.checked));
      return input;
    }
    if (field.enum) {
      const options = field.enum.map((option) => h("option", { value: String(option), text: String(option) }));
      if (!field.required || field.default === null) {
        const label = field.default !== null ? t("form.defaultValue", { value: field.default }) : t("form.unset");
        options.unshift(h("option", { value: "", text: label }));
      }
      input = h("select", common, options);
      input.value = value === undefined || value === null ? "" : String(value);
      input.addEventListener("change", () => commit(field, input.value));
      return input;
    }
    const placeholder = field.inferred
      ? t("form.autoPlaceholder")
      : field.default !== null
        ? formatFieldValue(field, field.default)
        : field.nullable
          ? t("form.none")
          : field.type === "array"
            ? "3, 3"
            : "";
    if (field.type === "layers") {
      input = h("textarea", { ...common, rows: 4, spellcheck: "false", placeholder: '[{"type": "Linear", "out_features": 16}]' });
    } else {
      const numeric = field.type === "integer" || field.type === "number";
      input = h("input", {
        ...common,
        type: numeric ? "number" : "text",
        step: field.type === "integer" ? "1" : numeric ? "any" : null,
        min: numeric && field.minimum !== null ? String(field.minimum) : null,
        max: numeric && field.maximum !== null ? String(field.maximum) : null,
        inputmode: numeric ? "decimal" : null,
        placeholder,
        autocomplete: "off",
        spellcheck: "false",
      });
    }
    input.value = formatFieldValue(field, value);
    input.addEventListener("input", () => commit(field, input.value));
    return input;
  }

  function commit(field, raw) {
    const parsed = parseFieldValue(field, raw);
    const control = controls.get(field.name);
    if (parsed.error) {
      const text = t(`error.${parsed.error.code}`, parsed.error.vars);
      showError(control, text);
      onInvalid(field.name, text);
      return;
    }
    showError(control, "");
    onInvalid(field.name, null);
    onChange(field.name, parsed.value);
  }

  function showError(control, text) {
    if (!control) return;
    control.message.textContent = text;
    control.wrapper.classList.toggle("invalid", Boolean(text));
    control.input.setAttribute("aria-invalid", text ? "true" : "false");
  }

  // Server-side messages for fields of this form ({field: message}); others cleared.
  function setServerErrors(byField) {
    for (const [name, control] of controls) {
      const text = byField[name] ?? "";
      control.wrapper.classList.toggle("server-invalid", Boolean(text));
      const hiddenSection = control.wrapper.closest(".param-more");
      if (text && hiddenSection?.hidden) hiddenSection.previousElementSibling?.click();
    }
  }

  return { el: root, setServerErrors };
}
