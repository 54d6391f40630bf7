// One HTTP/2 session of the client and the calls on it. The session is ref'd only while calls run, so an idle
// client never keeps the process alive (as grpc-js does).

import type { ClientHttp2Session } from 'node:http2';

/** One session and the number of calls on it; each call holds its slot and releases it exactly once. */
export class SessionSlot {
  private active = 0;
  private closing = false;
  private markEnded!: () => void;
  /**
   * Settles when the session is destroyed (by us) or emits 'close'. Not 'close' alone: once a session has seen a
   * GOAWAY, Node only half-closes the socket and emits 'close' at the peer's FIN, which a node:http2 server may
   * never send.
   */
  readonly ended: Promise<void>;

  constructor(readonly session: ClientHttp2Session) {
    this.ended = new Promise((resolve) => { this.markEnded = resolve; });
    session.once('close', this.markEnded);
    session.unref();
  }

  /** The calls running on the session now. */
  get calls(): number {
    return this.active;
  }

  acquire(): void {
    if (this.active++ === 0) this.session.ref();
  }

  release(): void {
    if (--this.active > 0) return;
    this.session.unref();
    if (this.closing) this.end();
  }

  /** Ends the session now, whatever runs on it; its calls then fail UNAVAILABLE 'Connection dropped'. */
  end(): void {
    this.session.destroy();
    this.markEnded();
  }

  /**
   * Ends the session once no call is left. Not before: nghttp2 refuses (REFUSED_STREAM) a request whose HEADERS
   * are still queued when a GOAWAY goes out. destroy() rather than close(): with no call left nothing is lost.
   */
  endWhenIdle(): void {
    this.closing = true;
    if (this.active === 0) this.end();
  }
}
