// Limits of one HTTP/2 connection: the client's preface and SETTINGS must arrive in time (RFC 9113 3.4), a
// connection without calls is closed after a while, one whose client hung up is released at once, cancels are
// counted against nghttp2's reset budget, and its calls share a budget of buffered request bytes.
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { RequestBudget } from './request-decoder.js';

/** Connection timeouts of a server; see ServerOptions. */
export interface ConnectionLimits {
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBufferedRequestBytes: number;
}

// After GOAWAY, the time a client gets to close its end before the socket is destroyed.
const CLOSE_GRACE_MS = 1_000;

// nghttp2's rapid-reset defence (CVE-2023-44487), fixed in Node 20 (its streamResetBurst/streamResetRate options are
// not read there): a token bucket of 1,000 RST_STREAMs refilled at 33 per second, whose exhaustion ends the
// connection with GOAWAY INTERNAL_ERROR and fails every call on it. We keep the same count and, before it runs out,
// send a graceful GOAWAY instead: calls in flight finish, the client moves to a new connection with a full bucket,
// and nghttp2 stops counting resets once a GOAWAY was sent. An attacker is still cut off after ~1,000 resets.
const RESET_BURST = 1_000;
const RESET_RATE_PER_SECOND = 33;
const RESET_RESERVE = 100;

/**
 * Watches one session: destroyed when the client's preface and SETTINGS do not arrive within handshakeTimeoutMs
 * (silent or byte-by-byte clients), sent GOAWAY when no call was open for idleTimeoutMs (clients that never ask
 * anything), destroyed once its last call ends when the client closed its side of the socket (no CLOSE-WAIT).
 */
export class ConnectionGuard implements RequestBudget {
  readonly #session: ServerHttp2Session;
  readonly #limits: ConnectionLimits;
  #active = 0;
  #timer: NodeJS.Timeout | undefined;
  #peerEnded = false;
  #resetTokens = RESET_BURST;
  #resetCheckedAt = 0;
  /** Per connection, not per stream: node:http2 calls it with the stream as `this`. */
  readonly #onStreamClose: (this: ServerHttp2Stream) => void;

  constructor(session: ServerHttp2Session, limits: ConnectionLimits) {
    this.#session = session;
    this.#limits = limits;
    const guard = this;
    this.#onStreamClose = function (this: ServerHttp2Stream) { guard.#streamClosed(this.rstCode); };
    this.#arm(limits.handshakeTimeoutMs, this.#onHandshakeTimeout);
    session.once('remoteSettings', this.#onRemoteSettings);
    session.once('close', this.#onSessionClose);
    session.socket.once('end', this.#onPeerEnd);
  }

  #buffered = 0;

  get limit(): number {
    return this.#limits.maxBufferedRequestBytes;
  }

  take(bytes: number): boolean {
    if (this.#buffered + bytes > this.#limits.maxBufferedRequestBytes) return false;
    this.#buffered += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#buffered -= bytes;
  }

  /** Streams open on this connection now. */
  get activeCalls(): number {
    return this.#active;
  }

  /** A call began on this connection; its end is watched. */
  opened(stream: ServerHttp2Stream): void {
    if (this.#active++ === 0) this.#disarm();
    // 'close' comes once: on() spares the wrapper once() would allocate per call.
    stream.on('close', this.#onStreamClose);
  }

  #streamClosed(rstCode: number | undefined): void {
    // A reset stream (the client cancelled, or we reset it) spends one of nghttp2's reset tokens.
    if (rstCode !== undefined && rstCode !== 0) this.#spendResetToken();
    if (--this.#active > 0) return;
    // Closed (the client hung up, or we sent GOAWAY): node:http2 ends the session itself once its last stream is
    // flushed. Destroying it here would drop that stream's last frames still queued for the socket (seen behind
    // HAProxy as RST_STREAM NO_ERROR with no trailers); the timer only bounds a client that never closes.
    if (this.#peerEnded || this.#session.closed) this.#arm(CLOSE_GRACE_MS, this.#onCloseGraceOver);
    else this.#arm(this.#limits.idleTimeoutMs, this.#onIdle);
  }

  #spendResetToken(): void {
    const now = Date.now();
    this.#resetTokens = Math.min(RESET_BURST, this.#resetTokens + ((now - this.#resetCheckedAt) / 1000) * RESET_RATE_PER_SECOND) - 1;
    this.#resetCheckedAt = now;
    if (this.#resetTokens < RESET_RESERVE && !this.#session.closed) this.#session.close();
  }

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
    this.#arm(CLOSE_GRACE_MS, this.#onCloseGraceOver);
  };

  readonly #onCloseGraceOver = (): void => {
    this.#session.destroy();
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
