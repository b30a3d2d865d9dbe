// WebSocket close codes of the job stream, named once (the server's twin:
// backend/torchplay/api/close_codes.py).

export const CLOSE = Object.freeze({
  FINISHED: 1000, // the job is done and every event was sent
  GOING_AWAY: 1001, // the stream ended early: the server shuts down, or the connection broke
  POLICY: 1008, // refused: a wrong token, another site's page, a bad `since`, we stopped reading
  TOO_BIG: 1009, // we sent a message over the server's limit
  REVOKED: 4403, // the share link (or user) we came by was revoked, or the link expired
  NO_JOB: 4404, // no such job: reconnecting will not help
});

// Refusals and application codes (4xxx) mean "don't retry": the job is gone or we may not watch it.
export function isFatalClose(code) {
  return code === CLOSE.POLICY || (code >= 4000 && code < 5000);
}
