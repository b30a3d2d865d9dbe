// The design lives in the URL hash so a link reproduces it:
//   #design=<base64url(JSON)>&job=<id>
// The JSON is the request-shaped design (see spec.designToPlain); base64url keeps
// it one opaque, copy-safe token whatever the layer parameters contain.

export function encodeHash({ design = null, job = null } = {}) {
  const parts = [];
  if (design) parts.push(`design=${toBase64Url(JSON.stringify(design))}`);
  if (job) parts.push(`job=${encodeURIComponent(job)}`);
  return parts.length ? `#${parts.join("&")}` : "";
}

// Never throws: a damaged link gives {design: null}.
export function decodeHash(hash) {
  const params = new URLSearchParams(String(hash ?? "").replace(/^#/, ""));
  let design = null;
  const token = params.get("design");
  if (token) {
    try {
      const value = JSON.parse(fromBase64Url(token));
      design = value && typeof value === "object" && !Array.isArray(value) ? value : null;
    } catch {
      design = null;
    }
  }
  return { design, job: params.get("job") || null };
}

export function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(token) {
  const base64 = token.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
