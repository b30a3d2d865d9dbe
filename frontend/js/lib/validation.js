// Turns the server's answers to `POST /api/models/validate` (and 422s from
// `POST /api/jobs`) into what the designer shows next to each layer.

// detail: FastAPI's `detail` (array of {loc, msg, type}, or a string); typesByNet: each
// net's layer types ({layers: [...]}, or a GAN's {generator, discriminator}).
// → {nets: {net: {index: [{field, msg}]}}, general: [{where, msg}]}

import { serverText } from "./i18n.js";

export function mapValidationErrors(detail, typesByNet = {}) {
  const out = { nets: {}, general: [] };
  for (const item of normalizeDetail(detail)) {
    const loc = Array.isArray(item.loc) ? item.loc : [];
    const hit = matchLayer(loc);
    if (hit) {
      let rest = hit.rest;
      // Discriminated unions put the tag in the location: [3, "Linear", "out_features"].
      if (rest.length && rest[0] === typesByNet[hit.net]?.[hit.index]) rest = rest.slice(1);
      ((out.nets[hit.net] ??= {})[hit.index] ??= []).push({ field: fieldPath(rest), msg: item.msg });
    } else {
      out.general.push({ where: fieldPath(loc.filter((part) => part !== "body")), msg: item.msg });
    }
  }
  return out;
}

// [body,] [model,] [net,] "layers", index, …rest → {net, index, rest}; net is "layers"
// for a one-network model, else the GAN's "generator" or "discriminator".
function matchLayer(loc) {
  let parts = loc[0] === "body" ? loc.slice(1) : loc;
  if (parts[0] === "model") parts = parts.slice(1);
  let net = "layers";
  if (parts[0] !== "layers" && parts[1] === "layers") [net, ...parts] = parts;
  if (parts[0] === "layers" && Number.isInteger(parts[1])) return { net, index: parts[1], rest: parts.slice(2) };
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

// 200 answer → each net's input and output shape, per-layer output shapes and parameter
// counts by index, the total and the training memory estimate (MB):
// {nets: {layers | generator, discriminator: {…}}, totalParams, memoryMb}.
export function mapValidationResult(result) {
  const net = (report) => {
    const layers = {};
    for (const layer of report?.layers ?? []) {
      if (Number.isInteger(layer.index)) layers[layer.index] = { outputShape: layer.output_shape ?? null, params: layer.params ?? 0, formula: layer.formula ?? null };
    }
    return { inputShape: report?.input_shape ?? null, outputShape: report?.output_shape ?? null, layers, moduleText: report?.module_text ?? null };
  };
  const nets = result?.generator ? { generator: net(result.generator), discriminator: net(result.discriminator) } : { layers: net(result) };
  const warnings = (Array.isArray(result?.warnings) ? result.warnings : []).map((w) => ({
    loc: Array.isArray(w?.loc) ? w.loc : [],
    msg: String(w?.msg ?? ""),
    msg_zh: w?.msg_zh ? String(w.msg_zh) : null,
  }));
  return { nets, totalParams: result?.total_params ?? null, memoryMb: result?.memory_mb ?? null, warnings };
}

// A warning in the page's language (the server sends `msg`, and `msg_zh` for 简体中文).
export function warningText(warning, lang) {
  return String(serverText(lang, warning?.msg, warning?.msg_zh) ?? "");
}

// The plan's warnings ([{loc, msg}]) beside the fields they name: {field: "msg; msg"} for
// the job's own settings (loc ["loss"], ["loss_params", "reduction"] → "loss_params"),
// and layer warnings by net and index as mapValidationErrors places errors.
export function warningsByField(warnings, lang = "en") {
  const settings = {};
  const nets = {};
  for (const warning of warnings ?? []) {
    const { loc } = warning;
    const msg = warningText(warning, lang);
    const hit = matchLayer(loc);
    if (hit) {
      ((nets[hit.net] ??= {})[hit.index] ??= []).push({ field: fieldPath(hit.rest), msg });
    } else if (typeof loc[0] === "string") {
      settings[loc[0]] = settings[loc[0]] ? `${settings[loc[0]]}; ${msg}` : msg;
    }
  }
  return { settings, nets };
}
