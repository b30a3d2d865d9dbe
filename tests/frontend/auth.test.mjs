import assert from "node:assert/strict";
import { test } from "node:test";

import { createApi } from "../../frontend/js/lib/api.js";
import { createAuth, initialShares, initialToken, SHARES_KEY, splitTokenFromUrl, TOKEN_KEY } from "../../frontend/js/lib/auth.js";

function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return {
    getItem: (key) => (data.has(key) ? data.get(key) : null),
    setItem: (key, value) => data.set(key, String(value)),
    removeItem: (key) => data.delete(key),
    data,
  };
}

// A server that wants `secret`: 401 with {"detail"} otherwise.
function tokenServer(secret) {
  const seen = [];
  async function fetch(url, init = {}) {
    seen.push(init.headers?.Authorization ?? null);
    const ok = init.headers?.Authorization === `Bearer ${secret}`;
    const body = ok ? JSON.stringify({ url }) : JSON.stringify({ detail: "missing or wrong token" });
    return new Response(body, { status: ok ? 200 : 401, headers: { "Content-Type": "application/json" } });
  }
  return { fetch, seen };
}

test("the page URL's token wins and leaves the URL; else this tab's stored one; old copies go", () => {
  const session = memoryStorage({ [TOKEN_KEY]: "old" });
  const legacy = memoryStorage({ [TOKEN_KEY]: "forever" });
  const replaced = [];
  const token = initialToken({
    href: "http://h:1/?design=abc&token=fresh&lang=zh#job=j1",
    replaceUrl: (href) => replaced.push(href),
    storage: session,
    legacyStorage: legacy,
  });
  assert.equal(token, "fresh");
  assert.deepEqual(replaced, ["http://h:1/?design=abc&lang=zh#job=j1"]);
  assert.equal(session.getItem(TOKEN_KEY), "old", "a token from the URL is kept only once the server accepts it");
  assert.equal(legacy.getItem(TOKEN_KEY), null);
  assert.equal(initialToken({ href: "http://h:1/#job=j1", replaceUrl: () => assert.fail("nothing to remove"), storage: session }), "old");
  assert.equal(initialToken({ href: "http://h:1/", storage: memoryStorage() }), null);
  assert.deepEqual(splitTokenFromUrl("http://h/?token="), { token: null, href: "http://h/" });
});

test("a token is stored only once the server accepted it; a refused one is dropped", async () => {
  const server = tokenServer("right");
  const storage = memoryStorage({ [TOKEN_KEY]: "stale" });
  const answers = ["typo", "right"];
  const auth = createAuth({ token: "stale", storage, ask: () => answers.shift() });
  const authorized = auth.wrapFetch(async (url, init) => {
    if (init.headers.Authorization === "Bearer typo") assert.equal(storage.getItem(TOKEN_KEY), null, "typo never stored");
    return server.fetch(url, init);
  });
  assert.equal((await authorized("/api/system")).status, 200);
  assert.deepEqual(server.seen, ["Bearer stale", "Bearer typo", "Bearer right"]);
  assert.equal(storage.getItem(TOKEN_KEY), "right");

  const wrongOnly = memoryStorage();
  const giveUp = createAuth({ token: "wrong", storage: wrongOnly, ask: () => null });
  assert.equal((await giveUp.wrapFetch(server.fetch)("/api/system")).status, 401);
  assert.equal(wrongOnly.getItem(TOKEN_KEY), null);
});

test("a 401 asks once for all refused requests, stores the token and retries", async () => {
  const server = tokenServer("s3cret");
  const storage = memoryStorage();
  const reasons = [];
  let release;
  const answered = new Promise((resolve) => (release = resolve));
  const auth = createAuth({ storage, ask: (reason) => (reasons.push(reason), answered) });
  const api = createApi({ fetch: auth.wrapFetch(server.fetch), token: auth.token, origin: "http://x" });
  const pending = Promise.all([api.layers(), api.datasets(), api.system()]);
  await new Promise((resolve) => setTimeout(resolve, 10));
  release(" s3cret ");
  const results = await pending;
  assert.deepEqual(results.map((r) => r.url), ["http://x/api/layers", "http://x/api/datasets", "http://x/api/system"]);
  assert.deepEqual(reasons, ["required"]);
  assert.equal(storage.getItem(TOKEN_KEY), "s3cret");
  assert.equal(auth.token(), "s3cret");
  assert.equal(api.streamUrl("j1", 5), "ws://x/api/jobs/j1/stream?since=5");
});

test("a wrong token asks again with reason 'wrong'", async () => {
  const server = tokenServer("right");
  const answers = ["wrong", "right"];
  const reasons = [];
  const auth = createAuth({ ask: (reason) => (reasons.push(reason), answers.shift()) });
  const response = await auth.wrapFetch(server.fetch)("/api/system", { headers: { Accept: "application/json" } });
  assert.equal(response.status, 200);
  assert.deepEqual(reasons, ["required", "wrong"]);
  assert.deepEqual(server.seen, [null, "Bearer wrong", "Bearer right"]);
});

test("giving up returns the 401 as a readable ApiError", async () => {
  const server = tokenServer("right");
  const auth = createAuth({ ask: () => null });
  const api = createApi({ fetch: auth.wrapFetch(server.fetch), token: auth.token });
  await assert.rejects(api.system(), (error) => error.status === 401 && /wrong token/.test(error.message));
});

test("a share link opened by a signed-in user joins the tab's shares; a visitor's becomes the token", () => {
  const session = memoryStorage({ [TOKEN_KEY]: "tpu_alice" });
  const replaced = [];
  const shares = initialShares({ href: "http://h:1/?token=tps_ab.sig#job=j1", replaceUrl: (href) => replaced.push(href), storage: session });
  assert.deepEqual(shares, ["tps_ab.sig"]);
  assert.deepEqual(replaced, ["http://h:1/#job=j1"]);
  assert.equal(session.getItem(TOKEN_KEY), "tpu_alice", "the user stays signed in");
  assert.deepEqual(JSON.parse(session.getItem(SHARES_KEY)), ["tps_ab.sig"]);
  // Kept for the tab, once each; junk in storage is dropped.
  assert.deepEqual(initialShares({ href: "http://h:1/?token=tps_ab.sig", storage: session }), ["tps_ab.sig"]);
  assert.deepEqual(initialShares({ href: "http://h:1/", storage: memoryStorage({ [SHARES_KEY]: "{not json" }) }), []);

  // No user in the tab: the link is the token itself (lib/auth initialToken takes it).
  const visitor = memoryStorage();
  assert.deepEqual(initialShares({ href: "http://h:1/?token=tps_ab.sig", replaceUrl: () => assert.fail("left for initialToken"), storage: visitor }), []);
  assert.equal(initialToken({ href: "http://h:1/?token=tps_ab.sig", storage: visitor }), "tps_ab.sig");
});

test("shares ride as X-Torchplay-Share and as stream subprotocols", async () => {
  const seen = [];
  const fetch = async (url, init) => {
    seen.push(init.headers);
    return new Response("[]", { status: 200, headers: { "Content-Type": "application/json" } });
  };
  const api = createApi({ fetch, token: "tpu_alice", shares: ["tps_a.x", "tps_b.y"] });
  await api.listJobs();
  assert.equal(seen[0]["X-Torchplay-Share"], "tps_a.x,tps_b.y");
  assert.equal(seen[0].Authorization, "Bearer tpu_alice");
  const protocols = api.streamProtocols();
  assert.equal(protocols.length, 4);
  assert.ok(protocols[2].startsWith("share.") && protocols[3].startsWith("share."));
  assert.deepEqual(createApi({ fetch, token: "t" }).streamProtocols().length, 2);
});
