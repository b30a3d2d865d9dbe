import assert from "node:assert/strict";
import { test } from "node:test";

import { backoffDelay, openJobStream } from "../../frontend/js/lib/stream.js";

// A scripted WebSocket: the test opens it, sends frames and closes it.
function fakeSockets() {
  const sockets = [];
  class FakeWebSocket {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.readyState = 0;
      this.closedWith = null;
      sockets.push(this);
    }
    open() {
      this.readyState = 1;
      this.onopen?.({});
    }
    send(events) {
      this.onmessage?.({ data: JSON.stringify(events) });
    }
    drop(code = 1006) {
      this.readyState = 3;
      this.onclose?.({ code, reason: "" });
    }
    close(code) {
      this.closedWith = code;
      this.readyState = 3;
    }
  }
  return { FakeWebSocket, sockets };
}

function fakeTimers() {
  const queue = [];
  return {
    setTimer: (fn, delay) => queue.push({ fn, delay }) && queue.length,
    clearTimer: () => {},
    queue,
    runNext() {
      queue.shift().fn();
    },
  };
}

const ev = (seq, type = "epoch", extra = {}) => ({ seq, type, job_id: "j", epoch: seq, ...extra });

test("reconnects with since=<last seq> and never repeats an event", () => {
  const { FakeWebSocket, sockets } = fakeSockets();
  const timers = fakeTimers();
  const received = [];
  const states = [];
  let token = "a";
  openJobStream({
    urlFor: (since) => `ws://test/api/jobs/j/stream?since=${since}`,
    protocols: () => ["torchplay", `bearer.${token}`],
    WebSocketImpl: FakeWebSocket,
    onEvents: (events) => received.push(...events.map((event) => event.seq)),
    onState: (state) => states.push(state.state),
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
  });
  assert.equal(sockets[0].url, "ws://test/api/jobs/j/stream?since=0");
  assert.deepEqual(sockets[0].protocols, ["torchplay", "bearer.a"]);
  sockets[0].open();
  sockets[0].send([ev(1, "status", { status: "running" }), ev(2), ev(3)]);
  sockets[0].drop();
  assert.deepEqual(states, ["connecting", "live", "reconnecting"]);
  assert.equal(timers.queue[0].delay, backoffDelay(1));

  token = "b"; // asked for again meanwhile: a reconnect offers the current one
  timers.runNext();
  assert.equal(sockets[1].url, "ws://test/api/jobs/j/stream?since=3");
  assert.deepEqual(sockets[1].protocols, ["torchplay", "bearer.b"]);
  sockets[1].open();
  // A server that replays a little too much must not produce duplicates.
  sockets[1].send([ev(3), ev(4)]);
  sockets[1].send([ev(5), ev(6, "done", { status: "completed" })]);
  sockets[1].drop(1000);
  assert.deepEqual(received, [1, 2, 3, 4, 5, 6]);
  assert.equal(states.at(-1), "closed");
  assert.equal(timers.queue.length, 0);
});

test("backoff grows and is capped; a successful open resets it", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n)), [500, 1000, 2000, 4000, 8000, 8000]);
  const { FakeWebSocket, sockets } = fakeSockets();
  const timers = fakeTimers();
  openJobStream({ urlFor: () => "ws://x", WebSocketImpl: FakeWebSocket, setTimer: timers.setTimer, clearTimer: timers.clearTimer });
  sockets[0].drop();
  timers.runNext();
  sockets[1].drop();
  assert.equal(timers.queue[0].delay, 1000);
  timers.runNext();
  sockets[2].open();
  sockets[2].drop();
  assert.equal(timers.queue[0].delay, 500);
});

test("application close codes are not retried", () => {
  const { FakeWebSocket, sockets } = fakeSockets();
  const timers = fakeTimers();
  const states = [];
  openJobStream({
    urlFor: () => "ws://x",
    WebSocketImpl: FakeWebSocket,
    onState: (state) => states.push(state),
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
  });
  sockets[0].drop(4404);
  assert.equal(states.at(-1).state, "failed");
  assert.equal(states.at(-1).code, 4404);
  assert.equal(timers.queue.length, 0);
});

test("close() stops reconnecting and closes the socket", () => {
  const { FakeWebSocket, sockets } = fakeSockets();
  const timers = fakeTimers();
  const stream = openJobStream({ urlFor: () => "ws://x", WebSocketImpl: FakeWebSocket, setTimer: timers.setTimer, clearTimer: timers.clearTimer });
  sockets[0].open();
  stream.close();
  assert.equal(sockets[0].closedWith, 1000);
  sockets[0].drop(1006);
  assert.equal(timers.queue.length, 0);
  assert.equal(sockets.length, 1);
});

test("gives up after maxAttempts", () => {
  const { FakeWebSocket, sockets } = fakeSockets();
  const timers = fakeTimers();
  const states = [];
  openJobStream({
    urlFor: () => "ws://x",
    WebSocketImpl: FakeWebSocket,
    onState: (state) => states.push(state.state),
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
    maxAttempts: 1,
  });
  sockets[0].drop();
  timers.runNext();
  sockets[1].drop();
  assert.equal(states.at(-1), "failed");
});
