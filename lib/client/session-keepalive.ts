// Client keepalive (gRFC A8, doc/keepalive.md): PING each session every keepaliveTimeMs, end it when the ACK is
// late, so calls on a dead peer fail UNAVAILABLE; GOAWAY "too_many_pings" doubles the interval, as grpc-js.
import { constants } from 'node:http2';
import { MAX_TIMER_DELAY } from '../timing/deadline-timer.js';
import type { SessionSlot } from './session-slot.js';

/** Keepalive of a client's connections; times in milliseconds. */
export interface ClientKeepaliveOptions {
  /** PING the server this often; default off, as grpc-js. */
  keepaliveTimeMs?: number;
  /** End the connection, failing its calls UNAVAILABLE, when a PING gets no ACK within this; default 20 s. */
  keepaliveTimeoutMs?: number;
  /** PING also while no call is open; default false (servers count such pings against the client). 1/0 as grpc-js. */
  keepalivePermitWithoutCalls?: boolean | number;
}

/** One client's keepalive, shared by its sessions: a too_many_pings answer slows every later one. */
export class ClientKeepalive {
  #timeMs: number;
  readonly #timeoutMs: number;
  readonly #permitWithoutCalls: boolean;

  constructor(options: ClientKeepaliveOptions = {}) {
    this.#timeMs = options.keepaliveTimeMs !== undefined && options.keepaliveTimeMs > 0 ? options.keepaliveTimeMs : Infinity;
    this.#timeoutMs = options.keepaliveTimeoutMs ?? 20_000;
    this.#permitWithoutCalls = Boolean(options.keepalivePermitWithoutCalls);
  }

  /** Starts pinging `slot`'s session once it is connected; stops when it closes. */
  watch(slot: SessionSlot): void {
    const session = slot.session;
    let timer: NodeJS.Timeout | undefined;
    const schedule = (): void => {
      if (this.#timeMs <= MAX_TIMER_DELAY && !session.destroyed) timer = setTimeout(ping, this.#timeMs).unref();
    };
    const ping = (): void => {
      if (session.closed || session.destroyed) return;
      // Without calls (and not permitted) skip this round: the next one comes at most keepaliveTimeMs after a call starts.
      if (slot.calls === 0 && !this.#permitWithoutCalls) return schedule();
      const late = setTimeout(() => slot.end(), this.#timeoutMs).unref();
      try {
        const sent = session.ping((err) => {
          clearTimeout(late);
          if (err === null) schedule();
        });
        if (!sent) slot.end();
      } catch {
        slot.end();
      }
    };
    session.once('remoteSettings', schedule);
    session.on('goaway', (code: number, _lastStreamId: number, data?: Buffer) => {
      // grpc-js: the server's ENHANCE_YOUR_CALM "too_many_pings" doubles the keepalive time for later sessions.
      if (code === constants.NGHTTP2_ENHANCE_YOUR_CALM && data?.toString() === 'too_many_pings') this.#timeMs *= 2;
    });
    session.once('close', () => clearTimeout(timer));
  }

  /** The current interval: keepaliveTimeMs, doubled after each too_many_pings. */
  get timeMs(): number {
    return this.#timeMs;
  }
}
