// Turns the server's answers to `POST /api/models/validate` (and 422s from
// `POST /api/jobs`) into what the designer shows next to each layer.

const PREFIXES = [["body", "model", "layers"], ["model", "layers"], ["body", "layers"], ["layers"]];

// detail: FastAPI's `detail` (array of {loc, msg, type}, or a string).
// → {layers: {index: [{field, msg}]}, general: [{where, msg}]}
export function mapValidationErrors(detail, layerTypes = []) {
  const out = { layers: {}, general: [] };
  for (const item of normalizeDetail(detail)) {
    const loc = Array.isArray(item.loc) ? item.loc : [];
    const hit = matchLayer(loc);
    if (hit) {
      let rest = hit.rest;
      // Discriminated unions put the tag in the location: [3, "Linear", "out_features"].
      if (rest.length && rest[0] === layerTypes[hit.index]) rest = rest.slice(1);
      (out.layers[hit.index] ??= []).push({ field: fieldPath(rest), msg: item.msg });
    } else {
      out.general.push({ where: fieldPath(loc.filter((part) => part !== "body")), msg: item.msg });
    }
  }
  return out;
}

function matchLayer(loc) {
  for (const prefix of PREFIXES) {
    if (prefix.every((part, i) => loc[i] === part) && Number.isInteger(loc[prefix.length])) {
      return { index: loc[prefix.length], rest: loc.slice(prefix.length + 1) };
    }
  }
  return null;
}

// ["layers", 1, "in_features"] → "layers[1].in_features"
export function fieldPath(parts) {
  let path = "";
  for (const part of parts) {
    if (Number.isInteger(part)) path += `[${part}]`;
    else path += path ? `.${part}` : String(part);
  }
  return path;
}

export function normalizeDetail(detail) {
  if (detail === null || detail === undefined) return [];
  if (typeof detail === "string") return [{ loc: [], msg: detail }];
  if (Array.isArray(detail)) {
    return detail.map((item) =>
      typeof item === "string" ? { loc: [], msg: item } : { loc: item?.loc ?? [], msg: String(item?.msg ?? JSON.stringify(item)) },
    );
  }
  if (typeof detail === "object") {
    if (typeof detail.msg === "string") return [{ loc: detail.loc ?? [], msg: detail.msg }];
    if (typeof detail.message === "string") return [{ loc: [], msg: detail.message }];
  }
  return [{ loc: [], msg: JSON.stringify(detail) }];
}

// One readable line for a toast: "model.layers[3].in_features: expected 16, got 8".
export function describeDetail(detail) {
  return normalizeDetail(detail)
    .map(({ loc, msg }) => {
      const where = fieldPath((loc ?? []).filter((part) => part !== "body"));
      return where ? `${where}: ${msg}` : msg;
    })
    .join("; ");
}

// 200 answer → per-layer output shapes and parameter counts by index.
export function mapValidationResult(result) {
  const layers = {};
  for (const layer of result?.layers ?? []) {
    if (Number.isInteger(layer.index)) layers[layer.index] = { outputShape: layer.output_shape ?? null, params: layer.params ?? 0 };
  }
  return {
    inputShape: result?.input_shape ?? null,
    outputShape: result?.output_shape ?? null,
    totalParams: result?.total_params ?? null,
    layers,
  };
}
