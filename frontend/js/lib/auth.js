// The API token: where it comes from (the page URL's ?token=, taken once and removed from
// the address bar, else this tab's sessionStorage), and a fetch wrapper that asks a person
// for it when the server answers 401. The token travels only in headers (Authorization,
// and the WebSocket's subprotocol: see lib/api.js), never in a URL the page builds, and is
// kept only once the server accepted it.
// No DOM here: `ask(reason)` is whatever dialog the page supplies.

export const TOKEN_KEY = "torchplay.token";

// The page URL without its ?token= (other parameters and the hash kept), and that token.
export function splitTokenFromUrl(href) {
  const url = new URL(href);
  const token = url.searchParams.get("token");
  if (token === null) return { token: null, href };
  url.searchParams.delete("token");
  return { token: token || null, href: url.href };
}

// ?token= in the page URL wins; replaceUrl(href) takes it out of the address bar and the
// history. legacyStorage: where older pages kept it for good (localStorage), now cleared.
export function initialToken({ href, replaceUrl = () => {}, storage = null, legacyStorage = null }) {
  legacyStorage?.removeItem(TOKEN_KEY);
  const fromUrl = splitTokenFromUrl(href);
  if (fromUrl.href !== href) replaceUrl(fromUrl.href);
  return fromUrl.token ?? (storage?.getItem(TOKEN_KEY) || null);
}

// Share links ("tps_…" tokens) a tab holds beside a user's token, sent as X-Torchplay-Share.
export const SHARES_KEY = "torchplay.shares";
export const SHARE_PREFIX = "tps_";

// A share link opened in a tab that already holds a user's token joins the tab's shares
// instead of replacing the user (who may then fork the shared job as themselves); it is
// taken out of the address bar. Returns the tab's shares.
export function initialShares({ href, replaceUrl = () => {}, storage = null }) {
  let shares = [];
  try {
    const kept = JSON.parse(storage?.getItem(SHARES_KEY) ?? "[]");
    shares = Array.isArray(kept) ? kept.filter((one) => typeof one === "string" && one.startsWith(SHARE_PREFIX)) : [];
  } catch {
    shares = [];
  }
  const held = storage?.getItem(TOKEN_KEY);
  const fromUrl = splitTokenFromUrl(href);
  if (fromUrl.token?.startsWith(SHARE_PREFIX) && held && !held.startsWith(SHARE_PREFIX)) {
    replaceUrl(fromUrl.href);
    shares = [...new Set([...shares, fromUrl.token])];
    storage?.setItem(SHARES_KEY, JSON.stringify(shares));
  }
  return shares;
}

// ask(reason) → Promise<string | null>; reason is "required" (no token was sent)
// or "wrong" (the token sent was refused). null means the person gave up: the 401
// then reaches the caller as an ordinary error.
export function createAuth({ token = null, storage = null, ask }) {
  let current = token || null;
  let asking = null; // one dialog for all the requests refused at once

  // Storage holds only a token the server answered with a success; a refused one goes.
  function keep(accepted) {
    if (storage?.getItem(TOKEN_KEY) === accepted) return;
    if (accepted) storage?.setItem(TOKEN_KEY, accepted);
    else storage?.removeItem(TOKEN_KEY);
  }

  // Ask once, however many requests were refused together; `sent` is the token the
  // refused request carried, so a request that raced a fresh token just retries.
  async function renew(sent) {
    if (current && current !== sent) return current;
    if (!asking) {
      asking = Promise.resolve(ask(sent ? "wrong" : "required")).then(
        (answer) => {
          asking = null;
          const trimmed = typeof answer === "string" ? answer.trim() : "";
          if (trimmed) current = trimmed;
          return trimmed || null;
        },
        (error) => {
          asking = null;
          throw error;
        },
      );
    }
    return asking;
  }

  function wrapFetch(fetch) {
    return async function authorizedFetch(url, init = {}) {
      for (;;) {
        const sent = current;
        const headers = { ...(init.headers ?? {}) };
        if (sent) headers.Authorization = `Bearer ${sent}`;
        else delete headers.Authorization;
        const response = await fetch(url, { ...init, headers });
        if (response.status !== 401) {
          if (response.ok && sent && sent === current) keep(sent);
          return response;
        }
        if (sent && sent === current) keep(null);
        const next = await renew(sent);
        if (!next) return response;
      }
    };
  }

  return {
    token: () => current,
    renew,
    wrapFetch,
  };
}
