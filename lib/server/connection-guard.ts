// Timers of one HTTP/2 connection: the client's preface and SETTINGS must arrive in time (RFC 9113 3.4), a
// connection without calls is closed after a while, and one whose client hung up is released at once.
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';

/** Connection timeouts of a server; see ServerOptions. */
export interface ConnectionLimits {
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

// After GOAWAY, the time a client gets to close its end before the socket is destroyed.
const CLOSE_GRACE_MS = 1_000;

/**
 * Watches one session: destroyed when the client's preface and SETTINGS do not arrive within handshakeTimeoutMs
 * (silent or byte-by-byte clients), sent GOAWAY when no call was open for idleTimeoutMs (clients that never ask
 * anything), destroyed once its last call ends when the client closed its side of the socket (no CLOSE-WAIT).
 */
export class ConnectionGuard {
  readonly #session: ServerHttp2Session;
  readonly #limits: ConnectionLimits;
  #active = 0;
  #timer: NodeJS.Timeout | undefined;
  #peerEnded = false;

  constructor(session: ServerHttp2Session, limits: ConnectionLimits) {
    this.#session = session;
    this.#limits = limits;
    this.#arm(limits.handshakeTimeoutMs, this.#onHandshakeTimeout);
    session.once('remoteSettings', this.#onRemoteSettings);
    session.once('close', this.#onSessionClose);
    session.socket.once('end', this.#onPeerEnd);
  }

  /** A call began on this connection; its end is watched. */
  opened(stream: ServerHttp2Stream): void {
    if (this.#active++ === 0) this.#disarm();
    stream.once('close', this.#onStreamClose);
  }

  readonly #onStreamClose = (): void => {
    if (--this.#active > 0) return;
    // Closed: the client hung up, or we sent GOAWAY (server.close(), idle); nothing is left to wait for.
    if (this.#peerEnded || this.#session.closed) this.#session.destroy();
    else this.#arm(this.#limits.idleTimeoutMs, this.#onIdle);
  };

  readonly #onRemoteSettings = (): void => {
    this.#disarm();
    if (this.#active === 0) this.#arm(this.#limits.idleTimeoutMs, this.#onIdle);
  };

  readonly #onHandshakeTimeout = (): void => {
    this.#session.destroy();
  };

  readonly #onIdle = (): void => {
    const session = this.#session;
    session.close();
    // A client that ignores GOAWAY keeps the socket open: it gets a grace period, not a descriptor forever.
    this.#arm(CLOSE_GRACE_MS, () => session.destroy());
  };

  /** The client closed its side (TCP FIN): answer open calls, then let the socket go. */
  readonly #onPeerEnd = (): void => {
    this.#peerEnded = true;
    if (this.#active === 0) this.#session.destroy();
    else this.#session.close();
  };

  readonly #onSessionClose = (): void => {
    this.#disarm();
  };

  #arm(ms: number, onTimeout: () => void): void {
    this.#disarm();
    if (ms === Infinity || ms <= 0) return;
    this.#timer = setTimeout(onTimeout, ms);
    // A timer must not keep the process alive for a connection alone.
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
