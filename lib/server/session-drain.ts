// Graceful GOAWAY of one server session, as grpc-go and grpc-core do it (PROTOCOL-HTTP2 "GOAWAY Frame"): a first
// GOAWAY with the largest stream id, a PING round trip, then the real GOAWAY naming the last stream taken.
import { constants } from 'node:http2';
import type { Http2Session } from 'node:http2';

const MAX_STREAM_ID = 2 ** 31 - 1;
/** How long the PING between the two GOAWAYs may take before the real one is sent anyway. */
export const DRAIN_PING_TIMEOUT_MS = 1000;

/**
 * Tells the peer to stop opening streams without refusing the ones already on the wire: a single GOAWAY naming the
 * last stream seen would refuse a stream a proxy sent at that moment (nginx answers it 502). The PING's ACK proves
 * the peer read the first GOAWAY, so every stream it sent before is in; then close() sends the GOAWAY with the true
 * last stream id and ends the session once its streams are done. `afterGoaway` runs once the final GOAWAY is sent.
 */
export function drainSession(session: Http2Session, pingTimeoutMs = DRAIN_PING_TIMEOUT_MS, afterGoaway?: () => void): void {
  if (session.closed || session.destroyed) return;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (!session.closed && !session.destroyed) session.close();
    afterGoaway?.();
  };
  // Not unref'd: a close() being awaited must complete even when nothing else keeps the process alive (a client
  // that hung up as the GOAWAY went out never ACKs the PING: this timer is then what ends the wait).
  const timer = setTimeout(finish, pingTimeoutMs);
  try {
    session.goaway(constants.NGHTTP2_NO_ERROR, MAX_STREAM_ID);
    // A ping that cannot be sent (session already going) ends the wait at once.
    if (!session.ping(finish)) finish();
  } catch {
    finish();
  }
}

/** Ends a session now: GOAWAY, then RST_STREAM CANCEL on each open stream, so its calls end CANCELLED at the client. */
export function cancelSession(session: Http2Session): void {
  if (session.destroyed) return;
  if (!session.closed) session.close();
  // Node reads a number first argument as the RST_STREAM/GOAWAY code (its typings omit the form; an Error argument
  // would also be emitted as 'error').
  Reflect.apply(session.destroy, session, [constants.NGHTTP2_CANCEL]);
}
