// The API token: where it comes from (the page URL's ?token=, else localStorage),
// and a fetch wrapper that asks a person for it when the server answers 401.
// No DOM here: `ask(reason)` is whatever dialog the page supplies.

export const TOKEN_KEY = "torchplay.token";

// ?token= in the page URL wins (and is remembered); otherwise the stored one.
export function initialToken({ search = "", storage = null } = {}) {
  const fromUrl = new URLSearchParams(search).get("token");
  if (fromUrl) {
    storage?.setItem(TOKEN_KEY, fromUrl);
    return fromUrl;
  }
  return storage?.getItem(TOKEN_KEY) || null;
}

// ask(reason) → Promise<string | null>; reason is "required" (no token was sent)
// or "wrong" (the token sent was refused). null means the person gave up: the 401
// then reaches the caller as an ordinary error.
export function createAuth({ token = null, storage = null, ask }) {
  let current = token;
  let asking = null; // one dialog for all the requests refused at once

  function set(next) {
    current = next || null;
    if (current) storage?.setItem(TOKEN_KEY, current);
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
          if (trimmed) set(trimmed);
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
        if (response.status !== 401) return response;
        const next = await renew(sent);
        if (!next) return response;
      }
    };
  }

  return {
    token: () => current,
    set,
    renew,
    wrapFetch,
  };
}
