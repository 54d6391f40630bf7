// The client's one shared HTTP/2 connection: opened lazily, replaced after close/error/GOAWAY, closed by close().
// The session is ref'd only while calls run, so an idle client never keeps the process alive (as grpc-js does).

import { connect } from 'node:http2';
import type {
  ClientHttp2Session, ClientHttp2Stream, ClientSessionOptions, OutgoingHttpHeaders, SecureClientSessionOptions,
} from 'node:http2';
import { parseEncodingList } from '../protocol/compression.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import { isStaleSessionError } from './node-errors.js';

/** Defaults chosen so large messages are not throttled by HTTP/2's 64 KiB initial windows. */
export const DEFAULT_STREAM_WINDOW = 4 * 1024 * 1024;
export const DEFAULT_CONNECTION_WINDOW = 16 * 1024 * 1024;

export interface ConnectionOptions {
  http2?: ClientSessionOptions;
  /** node:tls options for an https:// url (ca, cert, key, servername...); http2 options win where both set one. */
  tls?: SecureClientSessionOptions;
  /** Connection-level receive window, set with setLocalWindowSize once connected. */
  connectionWindowSize?: number;
}

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

type ConnectionState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'open'; readonly slot: SessionSlot }
  | { readonly kind: 'closed'; readonly done: Promise<void> };

const IDLE: ConnectionState = { kind: 'idle' };

/** Owns the sessions of one client; a session that is going away stays alive for the calls still on it. */
export class Connection {
  private state: ConnectionState = IDLE;
  private readonly live = new Set<SessionSlot>();
  private readonly sessionOptions: SecureClientSessionOptions;
  private readonly connectionWindow: number;
  /** grpc-accept-encoding of the last response; grpc-js stops compressing with encodings the server lacks. */
  serverEncodings: readonly string[] | undefined;
  private serverEncodingsHeader: string | string[] | undefined;

  constructor(private readonly url: string, options: ConnectionOptions = {}) {
    this.sessionOptions = {
      ...options.tls,
      ...options.http2,
      settings: { initialWindowSize: DEFAULT_STREAM_WINDOW, ...options.http2?.settings },
    };
    this.connectionWindow = options.connectionWindowSize ?? DEFAULT_CONNECTION_WINDOW;
  }

  /** Opens a stream on the current session (connecting first if needed); the caller must release the slot. */
  request(headers: OutgoingHttpHeaders): { stream: ClientHttp2Stream; slot: SessionSlot } {
    let slot = this.current();
    let stream: ClientHttp2Stream;
    try {
      stream = slot.session.request(headers);
    } catch (err) {
      // A GOAWAY or close can land between our last event and this call: one fresh session, once.
      if (!isStaleSessionError(err)) throw err;
      this.detach(slot);
      slot = this.current();
      stream = slot.session.request(headers);
    }
    slot.acquire();
    return { stream, slot };
  }

  /** Notes a response's grpc-accept-encoding; a server sends the same one every time, so it is parsed once. */
  noteServerEncodings(header: string | string[]): void {
    if (header === this.serverEncodingsHeader) return;
    this.serverEncodingsHeader = header;
    this.serverEncodings = parseEncodingList(header);
  }

  /**
   * Stops new calls (they fail UNAVAILABLE) and closes every session. Graceful by default: calls in flight run
   * to completion, as on grpc-js's channel.close(). `force` destroys the sessions; their calls end UNAVAILABLE.
   */
  close(force = false): Promise<void> {
    if (this.state.kind === 'closed') return this.state.done;
    const slots = [...this.live];
    const done = Promise.all(slots.map((slot) => slot.ended)).then(() => undefined);
    this.state = { kind: 'closed', done };
    for (const slot of slots) {
      if (force) slot.end();
      else slot.endWhenIdle();
    }
    return done;
  }

  private current(): SessionSlot {
    const state = this.state;
    if (state.kind === 'open') return state.slot;
    if (state.kind === 'closed') throw new GrpcError(Status.UNAVAILABLE, 'Channel has been shut down');
    const slot = this.open();
    this.state = { kind: 'open', slot };
    return slot;
  }

  private open(): SessionSlot {
    const session = connect(this.url, this.sessionOptions);
    const slot = new SessionSlot(session);
    this.live.add(slot);
    const drop = (): void => this.detach(slot);
    session.once('connect', () => {
      try {
        session.setLocalWindowSize(this.connectionWindow);
      } catch {
        // The session can be torn down between 'connect' and here; the next call reconnects anyway.
      }
    });
    // Streams see the error themselves; the listener keeps an 'error' from crashing the process.
    session.on('error', drop);
    session.once('goaway', drop);
    session.once('close', () => {
      drop();
      this.live.delete(slot);
    });
    return slot;
  }

  /** Forget a session that is going away so that the next call opens a new one. */
  private detach(slot: SessionSlot): void {
    if (this.state.kind === 'open' && this.state.slot === slot) this.state = IDLE;
  }
}

