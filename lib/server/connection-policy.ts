// Per-connection management of a server session (doc/keepalive.md, A8 client-side keepalive, A9 max connection
// age): keepalive PINGs with a timeout, a PING to a peer silent with calls open, ping-strike enforcement (GOAWAY
// too_many_pings), the age limit. The idle limit is the connection guard's (connection-guard.ts).
import { constants } from 'node:http2';
import type { ServerHttp2Session } from 'node:http2';
import { MAX_TIMER_DELAY } from '../timing/deadline-timer.js';
import { cancelSession, drainSession } from './session-drain.js';

/** Connection management options of GrpcServer; every time is in milliseconds. */
export interface ConnectionPolicyOptions {
  /** PING the client after this long without one; default 2 h, as gRPC servers. */
  keepaliveTimeMs?: number;
  /** Close the connection when a PING gets no ACK within this; default 20 s. */
  keepaliveTimeoutMs?: number;
  /**
   * PING a connection that has calls open but from which nothing was read for this long (at most once per such
   * silence); no ACK within keepaliveTimeoutMs closes it. Default 1 min; Infinity disables it.
   */
  silentPeerPingMs?: number;
  /** Shortest interval allowed between a client's PINGs (grpc-go's MinTime); default 5 min. */
  keepaliveMinTimeMs?: number;
  /** Allow client PINGs while no call is open; default false (then one each 2 h at most, as grpc-go). */
  keepalivePermitWithoutCalls?: boolean;
  /** PINGs too early before the connection gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings"; default 2. */
  maxPingStrikes?: number;
  /** GOAWAY a connection this old (±10 % jitter), so clients spread again over new servers; default unlimited. */
  maxConnectionAgeMs?: number;
  /** After the age GOAWAY, calls still open get this long, then are cancelled; default unlimited. */
  maxConnectionAgeGraceMs?: number;
}

const TWO_HOURS = 2 * 60 * 60 * 1000;
// A PING ACK is a 17-byte frame: more written between two client PINGs means the server sent headers or data,
// which resets the strikes as in grpc-go and grpc-core (a busy stream may be kept alive by pings).
const PING_ACK_BYTES = 17;
const GOAWAY_FLUSH_MS = 1000;
const TOO_MANY_PINGS = Buffer.from('too_many_pings');

/** Applies one server's connection policy to each of its sessions. */
export class ConnectionPolicy {
  readonly #keepaliveTimeMs: number;
  readonly #keepaliveTimeoutMs: number;
  readonly #silentPeerPingMs: number;
  readonly #minTimeMs: number;
  readonly #permitWithoutCalls: boolean;
  readonly #maxStrikes: number;
  readonly #ageMs: number;
  readonly #ageGraceMs: number;

  constructor(options: ConnectionPolicyOptions) {
    this.#keepaliveTimeMs = positive(options.keepaliveTimeMs, TWO_HOURS);
    this.#keepaliveTimeoutMs = positive(options.keepaliveTimeoutMs, 20_000);
    this.#silentPeerPingMs = positive(options.silentPeerPingMs, 60_000);
    this.#minTimeMs = options.keepaliveMinTimeMs ?? 5 * 60 * 1000;
    this.#permitWithoutCalls = options.keepalivePermitWithoutCalls ?? false;
    this.#maxStrikes = options.maxPingStrikes ?? 2;
    this.#ageMs = positive(options.maxConnectionAgeMs, Infinity);
    this.#ageGraceMs = positive(options.maxConnectionAgeGraceMs, Infinity);
  }

  /**
   * Starts the session's timers and watches; they stop when it closes. `activeCalls` is the connection guard's
   * count of open streams (one count per connection, kept where every stream is already seen).
   */
  apply(session: ServerHttp2Session, activeCalls: () => number): void {
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, run: () => void): void => {
      // Past 2^31-1 ms node would fire at once: such a limit is none.
      if (!(ms <= MAX_TIMER_DELAY) || session.destroyed) return;
      const timer = setTimeout(() => { timers.delete(timer); run(); }, ms).unref();
      timers.add(timer);
    };
    this.#enforcePings(session, activeCalls);
    this.#keepalive(session, later);
    this.#watchSilence(session, activeCalls, later);
    // ±10 % as grpc-js, so connections opened together do not all go at once.
    const ageMs = this.#ageMs * (0.9 + Math.random() * 0.2);
    later(ageMs, () => drainSession(session, undefined, () => later(this.#ageGraceMs, () => cancelSession(session))));
    session.once('close', () => { for (const timer of timers) clearTimeout(timer); });
  }

  // PING, and close the connection unless the ACK comes within the timeout; then again keepaliveTimeMs later.
  #keepalive(session: ServerHttp2Session, later: (ms: number, run: () => void) => void): void {
    later(this.#keepaliveTimeMs, () => {
      if (session.closed || session.destroyed) return;
      this.#ping(session, later, () => this.#keepalive(session, later));
    });
  }

  // node:http2 stops reading a connection once it has answered a protocol error with GOAWAY, and then never sees
  // the peer leave (RFC 9113 5.4.1 wants the connection closed): the calls open on it would hold its socket until
  // the next keepalive, 2 h by default. A peer that sent nothing for silentPeerPingMs while calls are open is asked
  // for a PING ACK: a stopped connection cannot deliver one. bytesRead is read per check, never per call.
  #watchSilence(session: ServerHttp2Session, activeCalls: () => number, later: (ms: number, run: () => void) => void): void {
    let readAtCheck = -1;
    const check = (): void => {
      // node:http2 answers no PING on a closed (draining) session; its drain grace bounds it instead.
      if (session.closed || session.destroyed) return;
      const read = session.socket?.bytesRead ?? 0;
      const silent = read === readAtCheck && activeCalls() > 0;
      readAtCheck = read;
      if (!silent) return later(this.#silentPeerPingMs, check);
      // Its ACK is a read: the next check sees no silence, and a peer that stays quiet is asked again later.
      this.#ping(session, later, () => later(this.#silentPeerPingMs, check));
    };
    later(this.#silentPeerPingMs, check);
  }

  /** PINGs the peer; the session is destroyed unless the ACK comes within keepaliveTimeoutMs. */
  #ping(session: ServerHttp2Session, later: (ms: number, run: () => void) => void, onAck: () => void): void {
    let acked = false;
    later(this.#keepaliveTimeoutMs, () => { if (!acked) session.destroy(); });
    const sent = session.ping((err) => {
      acked = true;
      if (err === null) onAck();
    });
    if (!sent) session.destroy();
  }

  // grpc-go's rule: a PING sooner than keepaliveMinTimeMs after the previous one (2 h without calls, unless
  // permitted) is a strike; past maxPingStrikes the connection gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
  #enforcePings(session: ServerHttp2Session, activeCalls: () => number): void {
    let lastPingAt = 0;
    let strikes = 0;
    let writtenAtPing = 0;
    session.on('ping', () => {
      const now = Date.now();
      const written = session.socket?.bytesWritten ?? 0;
      if (written - writtenAtPing > PING_ACK_BYTES) strikes = 0;
      else {
        const minGap = activeCalls() === 0 && !this.#permitWithoutCalls ? TWO_HOURS : this.#minTimeMs;
        if (now - lastPingAt < minGap) strikes++;
      }
      lastPingAt = now;
      writtenAtPing = written;
      if (strikes > this.#maxStrikes && !session.closed) {
        session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, TOO_MANY_PINGS);
        setTimeout(() => session.destroy(), GOAWAY_FLUSH_MS).unref();
      }
    });
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value === undefined || value <= 0 ? fallback : value;
}
