// A form generated from server-described fields (see lib/params.js): a layer's
// parameters, a dataset's, or the job request's own. It owns the text the user is
// typing; valid values go out through `onChange`, invalid ones are marked in place and
// reported through `onInvalid`.
//
// A "union" field (an optimizer: a choice of kinds, each with its own fields) is a choice
// of kind followed by that kind's fields; its value is one object ({type, lr, …}). An
// "object" field with members (the doctor's policy) is a group of their fields; its value
// is the object of those set.

import { serverText } from "../lib/i18n.js";
import { formatFieldValue, isPlainObject, parseFieldValue } from "../lib/params.js";
import { h, replaceChildren } from "./dom.js";

const WIDE_OPTION = 10; // Latin letters' widths: a select with a longer choice takes two columns

// Roughly how wide a text is, in Latin letters (a CJK character is two).
const textWidth = (text) => [...text].reduce((n, char) => n + (char.codePointAt(0) >= 0x2e80 ? 2 : 1), 0);

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
  // A field's help in the page's language where the server sent it (`description_zh`).
  const helpText = (field) => serverText(t?.lang, field.description, field.description_zh);
  const helpMark = (field) => {
    const help = helpText(field);
    return help ? h("span", { class: "help", tabindex: "0", "data-tip": help, "aria-label": help, text: "?" }) : null;
  };
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
    if (field.type === "union") return renderUnion(field);
    if (field.type === "object" && field.fields?.length) return renderObject(field);
    const id = `${idPrefix}-${field.name}`;
    const message = h("div", { class: "field-error", id: `${id}-error`, role: "status" });
    const options = selectOptions(field, t);
    const input = options ? renderSelect(field, id, options) : renderInput(field, id);
    const checkbox = field.type === "boolean" && !options;
    const label = h(
      "label",
      { class: "field-label", for: id, title: helpText(field) || field.name },
      h("span", { class: "field-name", text: field.label ?? field.name }),
      field.required && !field.inferred ? h("span", { class: "required", "aria-hidden": "true", text: "*" }) : null,
      helpMark(field),
    );
    const wide = options ? options.some(([, text]) => textWidth(text) > WIDE_OPTION) : field.type === "string";
    const wrapper = h(
      "div",
      {
        class: ["field", `field-${field.type}`, field.type === "layers" && "field-wide", wide && "field-span-2", field.inferred && "field-inferred"],
        dataset: { field: field.name },
      },
      checkbox ? h("div", { class: "field-check" }, input, label) : [label, input],
      message,
    );
    controls.set(field.name, { field, input, wrapper, message });
    // The plan's warning on this choice (it runs, but may surprise): right under the field's
    // row, across the grid, so the fields beside it keep their inputs level.
    const warning = field.warning
      ? h("div", { class: "field-warning", role: "note", dataset: { testid: `warning-${field.testid ?? field.name}` }, text: field.warning })
      : null;
    return warning ? [wrapper, warning] : wrapper;
  }

  function common(field, id) {
    return { id, name: field.name, "aria-describedby": `${id}-error`, dataset: field.testid ? { testid: field.testid } : {} };
  }

  function renderSelect(field, id, options) {
    const value = values[field.name];
    const input = h("select", common(field, id), options.map(([option, text]) => h("option", { value: String(option), text })));
    input.value = value === undefined || value === null ? "" : String(value);
    // Unset without an empty choice: it is the default (the server's, when it is sent without).
    if (input.selectedIndex < 0 && field.default !== null) input.value = String(field.default);
    input.addEventListener("change", () => commit(field, input.value));
    return input;
  }

  function renderInput(field, id) {
    const value = values[field.name];
    if (field.type === "boolean") {
      const input = h("input", { ...common(field, id), type: "checkbox", checked: Boolean(value ?? field.default) });
      input.addEventListener("change", () => commit(field, input.checked));
      return input;
    }
    const placeholder =
      field.emptyLabel ??
      (field.inferred
        ? t("form.autoPlaceholder")
        : field.default !== null
          ? formatFieldValue(field, field.default)
          : field.nullable
            ? t("form.none")
            : field.type === "array"
              ? "3, 3"
              : "");
    let input;
    if (field.type === "layers") {
      input = h("textarea", { ...common(field, id), rows: 4, spellcheck: "false", placeholder: '[{"type": "Linear", "out_features": 16}]' });
    } else {
      const numeric = field.type === "integer" || field.type === "number";
      input = h("input", {
        ...common(field, id),
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

  // The choice of kind, then the chosen kind's own fields (a form of their own, which
  // this one rebuilds when the kind changes, keeping the values both kinds have).
  function renderUnion(field) {
    const wrapper = h("div", { class: ["field-union", "field-wide"], dataset: { field: field.name } });
    let value = values[field.name];
    let inner = null;

    function build() {
      const tag = isPlainObject(value) ? value[field.discriminator] : "";
      const members = (field.variants[tag] ?? []).filter((member) => member.name !== field.discriminator);
      const kinds = Object.keys(field.variants).map((kind) => [kind, kind]);
      const none = field.nullable || !tag ? [["", field.emptyLabel ?? t("form.unset")]] : [];
      const kindField = {
        ...field,
        name: field.discriminator,
        type: "string",
        required: false,
        default: null,
        enum: Object.keys(field.variants),
        options: [...none, ...kinds],
      };
      inner = createParamForm({
        fields: [kindField, ...members],
        values: isPlainObject(value) ? value : {},
        t,
        idPrefix: `${idPrefix}-${field.name}`,
        collapse: true,
        onChange: (name, next) => (name === field.discriminator ? choose(next) : set(name, next)),
        onInvalid: (name, message) => onInvalid(`${field.name}.${name}`, message),
      });
      replaceChildren(wrapper, inner.el);
    }

    function choose(kind) {
      if (!kind) value = field.nullable ? null : undefined;
      else {
        const names = new Set(field.variants[kind].map((member) => member.name));
        const kept = Object.entries(isPlainObject(value) ? value : {}).filter(([name]) => names.has(name));
        value = { ...Object.fromEntries(kept), [field.discriminator]: kind };
      }
      onChange(field.name, value);
      build();
      wrapper.querySelector("select")?.focus();
    }

    function set(name, next) {
      const object = { ...value };
      if (next === undefined) delete object[name];
      else object[name] = next;
      value = object;
      onChange(field.name, value);
    }

    build();
    controls.set(field.name, { field, wrapper, nested: () => inner });
    return wrapper;
  }

  function renderObject(field) {
    let value = isPlainObject(values[field.name]) ? values[field.name] : {};
    const inner = createParamForm({
      fields: field.fields,
      values: value,
      t,
      idPrefix: `${idPrefix}-${field.name}`,
      collapse: false,
      onChange: (name, next) => {
        const object = { ...value };
        if (next === undefined) delete object[name];
        else object[name] = next;
        value = object;
        onChange(field.name, Object.keys(value).length ? value : undefined);
      },
      onInvalid: (name, message) => onInvalid(`${field.name}.${name}`, message),
    });
    const legend = h(
      "legend",
      { class: "field-label" },
      h("span", { class: "field-name", text: field.label ?? field.name }),
      helpMark(field),
    );
    const wrapper = h("fieldset", { class: ["field-object", "field-wide"], dataset: { field: field.name, testid: field.testid ?? field.name } }, legend, inner.el);
    controls.set(field.name, { field, wrapper, nested: () => inner });
    return wrapper;
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
      if (control.nested) {
        control.nested()?.setServerErrors(isPlainObject(text) ? text : {});
        continue;
      }
      control.wrapper.classList.toggle("server-invalid", Boolean(text));
      const hiddenSection = control.wrapper.closest(".param-more");
      if (text && hiddenSection?.hidden) hiddenSection.previousElementSibling?.click();
    }
  }

  return { el: root, setServerErrors };
}

// [[value, text], …] when the field is a choice (a select), else null: the caller's
// `options`, a nullable yes/no, or an enum (with an empty first option where leaving it
// unset is allowed).
function selectOptions(field, t) {
  if (field.options) return field.options;
  if (field.type === "boolean" && field.nullable) {
    return [
      ["", field.emptyLabel ?? t("form.unset")],
      ["true", t("form.on")],
      ["false", t("form.off")],
    ];
  }
  if (!field.enum) return null;
  const options = field.enum.map((option) => [String(option), String(option)]);
  if (!field.required || field.default === null) {
    const label = field.emptyLabel ?? (field.default !== null ? t("form.defaultValue", { value: field.default }) : t("form.unset"));
    options.unshift(["", label]);
  }
  return options;
}
