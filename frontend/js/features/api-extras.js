// REST calls of the export/predict/compare features, added to the page's API client.
// `extendApi(api, options)` keeps every method of `api` (lib/api.js's createApi) and adds
// the ones below; options are the same as createApi's ({fetch, token, origin}).

export function extendApi(api, { fetch = globalThis.fetch.bind(globalThis), token = null, origin = "" } = {}) {
  const currentToken = typeof token === "function" ? token : () => token;
  const id = (jobId) => encodeURIComponent(jobId);
  const authorization = () => (currentToken() ? { Authorization: `Bearer ${currentToken()}` } : {});
  const headers = (json) => ({
    Accept: "application/json",
    ...(json ? { "Content-Type": "application/json" } : {}),
    ...authorization(),
  });

  async function call(method, path, body) {
    const response = await fetch(origin + path, {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw failure(response, text);
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return text; // not JSON: the python export
    }
  }

  // A refused call as an Error carrying the server's detail and the status.
  function failure(response, text) {
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    const detail = data && typeof data === "object" && "detail" in data ? data.detail : data;
    const message = Array.isArray(detail) ? detail.map((d) => d.msg).join("; ") : String(detail ?? response.status);
    return Object.assign(new Error(message), { status: response.status, detail });
  }

  return {
    ...api,
    getJob: api.getJob ?? ((jobId) => call("GET", `/api/jobs/${id(jobId)}`)),
    listJobs: api.listJobs ?? (() => call("GET", "/api/jobs")),
    metrics: api.metrics ?? ((jobId) => call("GET", `/api/jobs/${id(jobId)}/metrics`)),
    predict: (jobId, inputs) => call("POST", `/api/jobs/${id(jobId)}/predict`, { inputs }),
    exportText: (jobId) => call("GET", `/api/jobs/${id(jobId)}/export?format=python`),
    // The export's address, for a link's href: it carries no token (see `download`).
    exportUrl: (jobId, format) => `${origin}/api/jobs/${id(jobId)}/export?${new URLSearchParams({ format })}`,
    // The export itself, fetched with the token in the header → {blob, filename}.
    async download(jobId, format) {
      const response = await fetch(origin + `/api/jobs/${id(jobId)}/export?${new URLSearchParams({ format })}`, {
        headers: authorization(),
      });
      if (!response.ok) throw failure(response, await response.text());
      const disposition = response.headers.get("Content-Disposition") ?? "";
      const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `torchplay_${jobId}.${format}`;
      return { blob: await response.blob(), filename };
    },
    internals: (jobId) => call("GET", `/api/jobs/${id(jobId)}/internals`),
    snapshots: (jobId, limit = 100) => call("GET", `/api/jobs/${id(jobId)}/snapshots?limit=${limit}`),
    presets: () => call("GET", "/api/presets"),
    autograd: (body) => call("POST", "/api/autograd", body),
    autogradExamples: () => call("GET", "/api/autograd/examples"),
  };
}
