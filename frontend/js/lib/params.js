// Form fields described by the server: layer and optimizer parameter lists
// (`/api/layers`, `/api/system`) and dataset JSON schemas (`/api/datasets`) are both
// turned into one field shape, and raw input text is parsed against it.
//
// Field: {name, type, default, required, minimum, maximum, exclusiveMinimum,
//         exclusiveMaximum, enum, description, description_zh, inferred, nullable}
// type: "integer" | "number" | "boolean" | "string" | "array" | "layers" | "json" (any
// other value, typed as JSON), and from JSON schemas "object" (+ `fields`) and "union"
// (+ `variants`, `discriminator`).
// A page may add: label, emptyLabel (what leaving it empty means), options ([[value, text]]
// for a select), testid.

const FIELD_TYPES = new Set(["integer", "number", "boolean", "string", "array", "layers", "object"]);

export function fieldFromParam(param) {
  // `exclusive_minimum: true` (draft-4 style) marks `minimum` itself as exclusive.
  const exclusiveMin = param.exclusive_minimum === true || param.exclusiveMinimum === true;
  const exclusiveMax = param.exclusive_maximum === true || param.exclusiveMaximum === true;
  return {
    name: param.name,
    // A nested layer list is named `layers` even where its type is given as a string.
    type: param.name === "layers" ? "layers" : FIELD_TYPES.has(param.type) ? param.type : "string",
    default: param.default ?? null,
    required: Boolean(param.required),
    minimum: exclusiveMin ? null : numberOrNull(param.minimum),
    maximum: exclusiveMax ? null : numberOrNull(param.maximum),
    exclusiveMinimum: exclusiveMin ? numberOrNull(param.minimum) : numberOrNull(param.exclusiveMinimum ?? param.exclusive_minimum),
    exclusiveMaximum: exclusiveMax ? numberOrNull(param.maximum) : numberOrNull(param.exclusiveMaximum ?? param.exclusive_maximum),
    enum: Array.isArray(param.enum) && param.enum.length ? param.enum : null,
    description: param.description ?? "",
    description_zh: param.description_zh ?? null,
    inferred: Boolean(param.inferred),
    nullable: param.nullable ?? (param.default === null && !param.required),
  };
}

export function fieldsFromParams(params) {
  return (params ?? []).map(fieldFromParam);
}

// A pydantic-generated JSON schema: handles `anyOf` with null, `$ref` into `$defs`,
// `enum`/`const`, `exclusiveMinimum`, nested objects (type "object" with their `fields`)
// and unions of objects (type "union": `variants` by name, told apart by the
// `discriminator` property, e.g. an optimizer's `type`; null when nothing tells them apart).
export function fieldsFromJsonSchema(schema, defs = schema?.$defs ?? schema?.definitions ?? {}) {
  if (!schema || typeof schema !== "object") return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, raw]) => fieldFromSchema(name, raw, required.has(name), defs));
}

function fieldFromSchema(name, raw, isRequired, defs) {
  const { prop, nullable, members } = resolveProperty(raw, defs);
  const enumValues = prop.enum ?? (prop.const !== undefined ? [prop.const] : null);
  let type = prop.type;
  if (Array.isArray(type)) type = type.find((x) => x !== "null");
  if (enumValues && !type) type = typeof enumValues[0] === "number" ? "number" : "string";
  const field = {
    name,
    type: FIELD_TYPES.has(type) ? type : "json",
    title: raw.title ?? prop.title ?? name,
    default: raw.default ?? prop.default ?? null,
    required: isRequired && raw.default === undefined && prop.default === undefined,
    minimum: numberOrNull(prop.minimum),
    maximum: numberOrNull(prop.maximum),
    exclusiveMinimum: numberOrNull(prop.exclusiveMinimum),
    exclusiveMaximum: numberOrNull(prop.exclusiveMaximum),
    enum: enumValues,
    description: raw.description ?? prop.description ?? raw.title ?? prop.title ?? "",
    description_zh: raw.description_zh ?? prop.description_zh ?? null,
    inferred: false,
    nullable,
  };
  if (members.length > 1) {
    const discriminator = prop.discriminator?.propertyName ?? raw.discriminator?.propertyName ?? commonConst(members);
    const variants = Object.fromEntries(
      members.map((member) => [discriminator ? member.properties[discriminator].const : member.title, fieldsFromJsonSchema(member, defs)]),
    );
    return { ...field, type: "union", discriminator: discriminator ?? null, variants };
  }
  if (type === "object") return { ...field, fields: fieldsFromJsonSchema(prop, defs) };
  return field;
}

// The name of the property every member fixes to a value of its own (`const`), if any.
function commonConst(members) {
  const names = Object.keys(members[0].properties ?? {});
  return names.find((name) => members.every((member) => member.properties?.[name]?.const !== undefined)) ?? null;
}

// The property with its `$ref` followed; of a union, the non-null members: one is merged
// into the property, several stay `members` (objects, for fieldFromSchema's "union").
function resolveProperty(raw, defs) {
  let prop = deref(raw, defs);
  let nullable = false;
  let members = [];
  const union = prop.anyOf ?? prop.oneOf;
  if (Array.isArray(union)) {
    const all = union.map((member) => deref(member, defs));
    nullable = all.some((member) => member.type === "null");
    members = all.filter((member) => member.type !== "null");
    if (members.length === 1) {
      const [inner] = members;
      members = [];
      // A nullable union of objects (a scheduler or none) is one more level down.
      const nested = inner.anyOf ?? inner.oneOf;
      if (Array.isArray(nested)) members = nested.map((member) => deref(member, defs));
      prop = { ...inner, ...withoutUnion(prop) };
    }
  }
  return { prop, nullable, members: members.every((member) => member.properties) ? members : [] };
}

function withoutUnion(prop) {
  const { anyOf, oneOf, ...rest } = prop;
  return rest;
}

function deref(prop, defs) {
  if (prop && typeof prop.$ref === "string") {
    const name = prop.$ref.split("/").pop();
    return { ...(defs[name] ?? {}), ...withoutRef(prop) };
  }
  return prop ?? {};
}

function withoutRef(prop) {
  const { $ref, ...rest } = prop;
  return rest;
}

// A value from a request, a preset or a link, as the field would take it: the value, or
// undefined when the server would refuse it (wrong type, out of range, unknown choice).
// A union's value keeps only what its variant has.
export function acceptValue(field, value) {
  if (value === undefined) return undefined;
  if (value === null) return field.nullable ? null : undefined;
  if (field.enum && !field.enum.includes(value)) return undefined;
  switch (field.type) {
    case "integer":
      return Number.isInteger(value) && !checkRange(field, value).error ? value : undefined;
    case "number":
      return typeof value === "number" && Number.isFinite(value) && !checkRange(field, value).error ? value : undefined;
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "string":
      return typeof value === "string" ? value : undefined;
    case "array":
    case "layers":
      return Array.isArray(value) ? value : undefined;
    case "object":
      return isPlainObject(value) ? (field.fields.length ? acceptValues(field.fields, value) : value) : undefined;
    case "union": {
      const tag = isPlainObject(value) && field.discriminator ? value[field.discriminator] : undefined;
      const members = field.variants[tag];
      return members ? { ...acceptValues(members, value), [field.discriminator]: tag } : undefined;
    }
    default:
      return value;
  }
}

// The accepted values of `fields` in `values` (others and refused ones left out).
export function acceptValues(fields, values) {
  const out = {};
  for (const field of fields) {
    const value = acceptValue(field, values?.[field.name]);
    if (value !== undefined) out[field.name] = value;
  }
  return out;
}

export function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function numberOrNull(x) {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

// Parses what the user typed. Returns {value} (undefined = leave unset, so the
// server's default or inference applies) or {error: {code, vars}} for i18n.
export function parseFieldValue(field, raw) {
  // A checkbox gives true/false; the select of a nullable one "", "true" or "false".
  if (field.type === "boolean") return { value: raw === "" ? undefined : raw === true || raw === "true" };
  const text = typeof raw === "string" ? raw.trim() : raw;
  if (text === "" || text === null || text === undefined) {
    if (field.required && !field.inferred && field.default === null) return { error: { code: "required" } };
    return { value: undefined };
  }
  switch (field.type) {
    case "integer": {
      if (!/^[+-]?\d+$/.test(String(text))) return { error: { code: "integer" } };
      return checkRange(field, Number(text));
    }
    case "number": {
      const value = Number(text);
      if (!Number.isFinite(value)) return { error: { code: "number" } };
      return checkRange(field, value);
    }
    case "string": {
      if (field.enum && !field.enum.map(String).includes(String(text))) {
        return { error: { code: "enum", vars: { options: field.enum.join(", ") } } };
      }
      const match = field.enum?.find((option) => String(option) === String(text));
      return { value: match ?? String(text) };
    }
    case "array":
      return parseArray(String(text));
    case "layers":
      return parseLayers(String(text));
    case "json":
    case "object":
      try {
        return { value: JSON.parse(String(text)) };
      } catch (error) {
        return { error: { code: "json", vars: { message: error.message } } };
      }
    default:
      return { value: text };
  }
}

function checkRange(field, value) {
  if (field.minimum !== null && value < field.minimum) return { error: { code: "min", vars: { min: field.minimum } } };
  if (field.maximum !== null && value > field.maximum) return { error: { code: "max", vars: { max: field.maximum } } };
  if (field.exclusiveMinimum !== null && value <= field.exclusiveMinimum) {
    return { error: { code: "gt", vars: { min: field.exclusiveMinimum } } };
  }
  if (field.exclusiveMaximum !== null && value >= field.exclusiveMaximum) {
    return { error: { code: "lt", vars: { max: field.exclusiveMaximum } } };
  }
  return { value };
}

// "3, 3" or "3×3" or "[3, 3]" → [3, 3]
function parseArray(text) {
  if (text.startsWith("[")) {
    try {
      const value = JSON.parse(text);
      return Array.isArray(value) ? { value } : { error: { code: "array" } };
    } catch {
      return { error: { code: "array" } };
    }
  }
  const parts = text.split(/[\s,×x]+/).filter(Boolean);
  const value = parts.map((part) => (Number.isFinite(Number(part)) ? Number(part) : part));
  return { value };
}

function parseLayers(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: { code: "json", vars: { message: error.message } } };
  }
  if (!Array.isArray(value) || !value.every((layer) => layer && typeof layer === "object" && typeof layer.type === "string")) {
    return { error: { code: "layers" } };
  }
  return { value };
}

export function formatFieldValue(field, value) {
  if (value === undefined || value === null) return "";
  if (field.type === "layers") return JSON.stringify(value, null, 2);
  if (field.type === "json" || field.type === "object") return JSON.stringify(value);
  if (Array.isArray(value)) return value.every((x) => typeof x === "number") ? value.join(", ") : JSON.stringify(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// Pleasant first values for required sizes when a layer is dropped in, so a fresh
// layer validates; everything else starts at the server's default.
const STARTER_VALUES = {
  out_features: 16,
  out_channels: 8,
  kernel_size: 3,
  hidden_size: 16,
  num_heads: 2,
  nhead: 2,
  d_model: 32,
  embed_dim: 32,
  num_embeddings: 100,
  embedding_dim: 16,
};

export function starterValue(field) {
  // A block without inner layers is useless (and the server asks for them).
  if (field.type === "layers" && field.default === null) return [{ type: "ReLU" }];
  if (field.inferred || !field.required || field.default !== null) return undefined;
  if (field.name in STARTER_VALUES && (field.type === "integer" || field.type === "array")) {
    return STARTER_VALUES[field.name];
  }
  switch (field.type) {
    case "integer":
      return Math.max(field.minimum ?? 1, 1);
    case "number":
      return field.minimum ?? 0;
    case "string":
      return field.enum?.[0] ?? "";
    case "boolean":
      return false;
    case "array":
    case "layers":
      return [];
    default:
      return undefined;
  }
}

// Default values of a field list as an object (unset fields omitted).
export function defaultValues(fields) {
  const values = {};
  for (const field of fields) {
    if (field.default !== null && field.default !== undefined) values[field.name] = field.default;
  }
  return values;
}
