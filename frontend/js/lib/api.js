// The page's one REST client for the torchplay server: catalogues, jobs and their
// controls, the job's tools (predict, export, internals, snapshots), sweeps and the
// autograd explorer. Every failure becomes an ApiError with a readable message; the page never
// sees a raw Response or TypeError.

import { toBase64Url } from "./url-state.js";
import { describeDetail } from "./validation.js";

// The stream's subprotocol. Browsers cannot set headers on a WebSocket, so the token rides
// as a second offered subprotocol, `bearer.<base64url(token)>`: never in the URL.
export const STREAM_PROTOCOL = "torchplay";

export class ApiError extends Error {
  // kind: "network" (server unreachable), "http" (4xx/5xx), "aborted"
  constructor(message, { kind, status = null, detail = null, path = "" } = {}) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
    this.detail = detail;
    this.path = path;
  }
}

// token: a string, or a function returning the current one (it may change while the
// page runs: lib/auth.js asks for it when the server answers 401).
// shares: share-link tokens held beside the user's token (lib/auth.js initialShares).
export function createApi({ fetch = globalThis.fetch.bind(globalThis), token = null, origin = "", shares = [] } = {}) {
  const currentToken = typeof token === "function" ? token : () => token;
  // as: "json" (the default: parsed, or the text when it is not JSON), "text", or "blob"
  // ({blob, filename} from the Content-Disposition header).
  async function request(method, path, { body, signal, query, as = "json" } = {}) {
    const headers = { Accept: "application/json" };
    const token = currentToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (shares.length) headers["X-Torchplay-Share"] = shares.join(",");
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const url = origin + path + (query ? `?${new URLSearchParams(query)}` : "");
    let response;
    try {
      response = await fetch(url, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      if (error?.name === "AbortError") throw new ApiError("aborted", { kind: "aborted", path });
      throw new ApiError(`cannot reach the server (${error?.message ?? error})`, { kind: "network", path });
    }
    if (response.ok && as === "blob") return { blob: await response.blob(), filename: attachmentName(response) };
    if (response.status === 204) return null;
    const text = await response.text();
    if (response.ok && as === "text") return text;
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!response.ok) {
      // An HTML error page (a proxy, a static server) is no message for a person.
      const readable = typeof data !== "string" || (!data.trimStart().startsWith("<") && data.length <= 300);
      const detail = data && typeof data === "object" && "detail" in data ? data.detail : readable ? data : null;
      const message = describeDetail(detail) || `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      throw new ApiError(message, { kind: "http", status: response.status, detail, path });
    }
    return data;
  }

  const id = (jobId) => encodeURIComponent(jobId);
  const exportPath = (jobId, format) => `/api/jobs/${id(jobId)}/export?${new URLSearchParams({ format })}`;

  return {
    layers: () => request("GET", "/api/layers"),
    datasets: () => request("GET", "/api/datasets"),
    system: () => request("GET", "/api/system"),
    presets: () => request("GET", "/api/presets"),
    preview: (name, params, seed = 0, signal) =>
      request("GET", `/api/datasets/${encodeURIComponent(name)}/preview`, {
        query: { params: JSON.stringify(params ?? {}), seed: String(seed) },
        signal,
      }),
    validate: (body, signal) => request("POST", "/api/models/validate", { body, signal }),
    createJob: (body) => request("POST", "/api/jobs", { body }),
    listJobs: () => request("GET", "/api/jobs"),
    getJob: (jobId) => request("GET", `/api/jobs/${id(jobId)}`),
    stopJob: (jobId) => request("POST", `/api/jobs/${id(jobId)}/stop`),
    pauseJob: (jobId) => request("POST", `/api/jobs/${id(jobId)}/pause`),
    resumeJob: (jobId) => request("POST", `/api/jobs/${id(jobId)}/resume`),
    stepJob: (jobId) => request("POST", `/api/jobs/${id(jobId)}/step`),
    // values: {lr?, momentum?, weight_decay?}; applied from the next batch (a `changed` event)
    changeJob: (jobId, values) => request("PATCH", `/api/jobs/${id(jobId)}`, { body: values }),
    deleteJob: (jobId) => request("DELETE", `/api/jobs/${id(jobId)}`),
    metrics: (jobId) => request("GET", `/api/jobs/${id(jobId)}/metrics`),
    predict: (jobId, inputs) => request("POST", `/api/jobs/${id(jobId)}/predict`, { body: { inputs } }),
    internals: (jobId) => request("GET", `/api/jobs/${id(jobId)}/internals`),
    snapshots: (jobId, limit = 100) => request("GET", `/api/jobs/${id(jobId)}/snapshots`, { query: { limit: String(limit) } }),
    exportText: (jobId) => request("GET", exportPath(jobId, "python"), { as: "text" }),
    // The export's address, for a link's href: it carries no token (see `download`).
    exportUrl: (jobId, format) => origin + exportPath(jobId, format),
    // The export itself, fetched with the token in the header → {blob, filename}.
    download: (jobId, format) => request("GET", exportPath(jobId, format), { as: "blob" }),
    // The training doctor's checks: the learning-rate range test of a design (a job request)
    // or of a stored job, and overfitting one batch of a design.
    lrFinder: (body) => request("POST", "/api/models/lr-finder", { body }),
    jobLrFinder: (jobId) => request("POST", `/api/jobs/${id(jobId)}/lr-finder`),
    overfitBatch: (body) => request("POST", "/api/models/overfit-batch", { body }),
    createSweep: (body) => request("POST", "/api/sweeps", { body }),
    listSweeps: () => request("GET", "/api/sweeps"),
    getSweep: (sweepId) => request("GET", `/api/sweeps/${id(sweepId)}`),
    stopSweep: (sweepId) => request("POST", `/api/sweeps/${id(sweepId)}/stop`),
    deleteSweep: (sweepId) => request("DELETE", `/api/sweeps/${id(sweepId)}`),
    // People on a shared server: who am I, a job's read-only share links, forks.
    me: () => request("GET", "/api/me"),
    shares: (jobId) => request("GET", `/api/jobs/${id(jobId)}/shares`),
    createShare: (jobId, body) => request("POST", `/api/jobs/${id(jobId)}/shares`, { body }),
    revokeShare: (jobId, shareId) => request("DELETE", `/api/jobs/${id(jobId)}/shares/${encodeURIComponent(shareId)}`),
    checkpoints: (jobId) => request("GET", `/api/jobs/${id(jobId)}/checkpoints`),
    forkJob: (jobId, body) => request("POST", `/api/jobs/${id(jobId)}/fork`, { body }),
    autograd: (body) => request("POST", "/api/autograd", { body }),
    autogradExamples: () => request("GET", "/api/autograd/examples"),
    // ws(s)://host/api/jobs/{id}/stream?since=SEQ
    streamUrl(jobId, since, pageLocation = globalThis.location) {
      const base = origin || `${pageLocation.protocol === "https:" ? "wss:" : "ws:"}//${pageLocation.host}`;
      const wsBase = base.replace(/^http/, "ws");
      return `${wsBase}/api/jobs/${id(jobId)}/stream?${new URLSearchParams({ since: String(since ?? 0) })}`;
    },
    // The second argument of `new WebSocket(url, protocols)`.
    streamProtocols() {
      const token = currentToken();
      const shared = shares.map((one) => `share.${toBase64Url(one)}`);
      return token ? [STREAM_PROTOCOL, `bearer.${toBase64Url(token)}`, ...shared] : [STREAM_PROTOCOL, ...shared];
    },
  };
}

// `attachment; filename="net.safetensors"` → "net.safetensors" (null without one).
function attachmentName(response) {
  return /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? null;
}
