// REST calls of the export/predict/compare features, added to the page's API client.
// `extendApi(api, options)` keeps every method of `api` (lib/api.js's createApi) and adds
// the ones below; options are the same as createApi's ({fetch, token, origin}).

export function extendApi(api, { fetch = globalThis.fetch.bind(globalThis), token = null, origin = "" } = {}) {
  const currentToken = typeof token === "function" ? token : () => token;
  const id = (jobId) => encodeURIComponent(jobId);
  const headers = (json) => ({
    Accept: "application/json",
    ...(json ? { "Content-Type": "application/json" } : {}),
    ...(currentToken() ? { Authorization: `Bearer ${currentToken()}` } : {}),
  });

  async function call(method, path, body) {
    const response = await fetch(origin + path, {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text (the python export) */
    }
    if (!response.ok) {
      const detail = data && typeof data === "object" && "detail" in data ? data.detail : data;
      const message = Array.isArray(detail) ? detail.map((d) => d.msg).join("; ") : String(detail ?? response.status);
      const error = new Error(message);
      error.status = response.status;
      error.detail = detail;
      throw error;
    }
    return data;
  }

  return {
    ...api,
    getJob: api.getJob ?? ((jobId) => call("GET", `/api/jobs/${id(jobId)}`)),
    listJobs: api.listJobs ?? (() => call("GET", "/api/jobs")),
    metrics: api.metrics ?? ((jobId) => call("GET", `/api/jobs/${id(jobId)}/metrics`)),
    predict: (jobId, inputs) => call("POST", `/api/jobs/${id(jobId)}/predict`, { inputs }),
    exportText: (jobId) => call("GET", `/api/jobs/${id(jobId)}/export?format=python`),
    // A link for <a download>: the token rides as ?token= (the guard accepts it for GETs).
    exportUrl: (jobId, format) => {
      const token = currentToken();
      return `${origin}/api/jobs/${id(jobId)}/export?${new URLSearchParams({ format, ...(token ? { token } : {}) })}`;
    },
    internals: (jobId) => call("GET", `/api/jobs/${id(jobId)}/internals`),
    snapshots: (jobId, limit = 100) => call("GET", `/api/jobs/${id(jobId)}/snapshots?limit=${limit}`),
    presets: () => call("GET", "/api/presets"),
    autograd: (body) => call("POST", "/api/autograd", body),
    autogradExamples: () => call("GET", "/api/autograd/examples"),
  };
}
