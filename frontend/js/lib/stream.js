// WebSocket client for `WS /api/jobs/{id}/stream`. Reconnects with
// `?since=<last seq>` after a drop, and passes on each event exactly once.
//
// onEvents(events)  fresh events, oldest first
// onState(state)    {state: "connecting" | "live" | "reconnecting" | "closed" | "failed",
//                    attempt?, delay?, code?, reason?}

import { CLOSE, isFatalClose } from "./close-codes.js";
import { createSeqFilter, parseFrame } from "./job-events.js";

export function backoffDelay(attempt, { base = 500, max = 8000 } = {}) {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

// protocols(): the subprotocols to offer on each (re)connect (they carry the token, which
// may change while the page runs).
export function openJobStream({
  urlFor,
  protocols = () => undefined,
  WebSocketImpl = globalThis.WebSocket,
  onEvents = () => {},
  onState = () => {},
  since = 0,
  setTimer = globalThis.setTimeout.bind(globalThis),
  clearTimer = globalThis.clearTimeout.bind(globalThis),
  maxAttempts = Infinity,
}) {
  const filter = createSeqFilter(since);
  let socket = null;
  let timer = null;
  let attempt = 0;
  let finished = false; // a `done` event arrived
  let closedByUs = false;

  function connect() {
    timer = null;
    if (closedByUs) return;
    onState({ state: attempt === 0 ? "connecting" : "reconnecting", attempt });
    let ws;
    try {
      ws = new WebSocketImpl(urlFor(filter.lastSeq), protocols());
    } catch (error) {
      scheduleReconnect(null, String(error?.message ?? error));
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      attempt = 0;
      onState({ state: "live" });
    };
    ws.onmessage = (message) => {
      if (socket !== ws) return;
      const fresh = filter.accept(parseFrame(message.data));
      if (fresh.some((event) => event.type === "done")) finished = true;
      if (fresh.length) onEvents(fresh);
    };
    ws.onerror = () => {};
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (closedByUs) return;
      if (finished) {
        onState({ state: "closed", code: event.code });
        return;
      }
      if (isFatalClose(event.code)) {
        onState({ state: "failed", code: event.code, reason: event.reason || "" });
        return;
      }
      scheduleReconnect(event.code, event.reason || "");
    };
  }

  function scheduleReconnect(code, reason) {
    attempt += 1;
    if (attempt > maxAttempts) {
      onState({ state: "failed", code, reason });
      return;
    }
    const delay = backoffDelay(attempt);
    onState({ state: "reconnecting", attempt, delay, code, reason });
    timer = setTimer(connect, delay);
  }

  connect();

  return {
    close() {
      closedByUs = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      const ws = socket;
      socket = null;
      if (ws && ws.readyState <= 1) ws.close(CLOSE.FINISHED);
    },
    get lastSeq() {
      return filter.lastSeq;
    },
  };
}
