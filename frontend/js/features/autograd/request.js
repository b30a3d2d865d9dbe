// The explorer's editor state ↔ the `POST /api/autograd` body, and the server's 422
// details mapped back onto the fields they name. No DOM here.

// An example (or any request) as editable text: each input's value as JSON text.
export function editorFromRequest(request) {
  return {
    inputs: Object.entries(request?.inputs ?? {}).map(([name, input]) => ({
      name,
      value: JSON.stringify(input.value).replaceAll(",", ", "), // numbers and lists only: no commas in strings
      requiresGrad: Boolean(input.requires_grad),
    })),
    code: [...(request?.code ?? [])],
    backward: request?.backward ?? "",
  };
}

// {body} when every value parses, else {errors: [{field, key, vars}]} (i18n keys).
export function requestFromEditor(editor) {
  const errors = [];
  const inputs = {};
  editor.inputs.forEach((input, index) => {
    const name = input.name.trim();
    if (!name) {
      errors.push({ field: `input:${index}`, key: "autograd.error.noName" });
      return;
    }
    if (name in inputs) errors.push({ field: `input:${index}`, key: "autograd.error.duplicate", vars: { name } });
    let value;
    try {
      value = JSON.parse(input.value);
    } catch {
      errors.push({ field: `input:${index}`, key: "autograd.error.value", vars: { name } });
      return;
    }
    inputs[name] = { value, requires_grad: input.requiresGrad };
  });
  if (errors.length) return { errors };
  const backward = editor.backward.trim();
  return { body: { inputs, code: editor.code, backward: backward || null } };
}

// A 422's detail → {fields: {"code:2": msg, "input:0": msg, "backward": msg}, general: [msg]}.
export function fieldErrors(detail, editor) {
  const fields = {};
  const general = [];
  for (const error of Array.isArray(detail) ? detail : [{ loc: [], msg: String(detail ?? "") }]) {
    const [head, key] = error.loc ?? [];
    let field = null;
    if (head === "code" && Number.isInteger(key)) field = `code:${key}`;
    else if (head === "inputs" && typeof key === "string") {
      const index = editor.inputs.findIndex((input) => input.name.trim() === key);
      if (index >= 0) field = `input:${index}`;
    } else if (head === "backward") field = "backward";
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${error.msg}` : error.msg;
    else general.push(error.msg);
  }
  return { fields, general };
}
