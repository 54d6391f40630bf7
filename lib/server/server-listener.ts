// A server's listening life: the node:http2 server (plaintext h2c, or TLS with h2 by ALPN) on a port or a Unix
// socket, the sessions it accepts with their limits, and close() with GOAWAY drain, grace and force.
import { createSecureServer, createServer } from 'node:http2';
import type {
  Http2SecureServer, Http2Server, Http2Session, IncomingHttpHeaders, SecureServerOptions, ServerHttp2Session,
  ServerHttp2Stream, ServerOptions as Http2ServerOptions,
} from 'node:http2';
import { lstatSync, unlinkSync } from 'node:fs';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { ConnectionGuard } from './connection-guard.js';
import type { ConnectionLimits } from './connection-guard.js';
import type { ConnectionPolicy } from './connection-policy.js';
import type { CloseOptions } from './server-options.js';
import { cancelSession, drainSession } from './session-drain.js';
import type { WebFront } from './web/web-front.js';

/** Where the listener hands each stream, with the guard of its connection (its request budget). */
export type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, guard: ConnectionGuard | undefined) => void;

/** How the listener is built: the options it serves with, and where streams go. */
export interface ListenerSetup {
  readonly http2Options: Http2ServerOptions;
  readonly tls: SecureServerOptions | undefined;
  readonly connectionPolicy: ConnectionPolicy;
  readonly connectionLimits: ConnectionLimits;
  readonly web: WebFront | undefined;
  readonly onStream: StreamHandler;
  /** Once bound, before listen() resolves. */
  readonly onListening: () => void;
}

const SESSION_WINDOW = 16 * 1024 * 1024;

/** Listens, tracks the sessions accepted, and closes them: drained by default, cancelled when forced. */
export class ServerListener {
  readonly #setup: ListenerSetup;
  readonly #sessions = new Set<ServerHttp2Session>();
  // By socket: an HTTP/1.1 web call brings a fresh session object per request, but the same socket.
  readonly #peers = new WeakMap<Socket, string>();
  readonly #guards = new WeakMap<Http2Session, ConnectionGuard>();
  #server: Http2Server | Http2SecureServer | undefined;
  /** With `web` on plaintext: the listener that sniffs HTTP/1.1 from HTTP/2 in front of #server. */
  #front: NetServer | undefined;
  #closing: Promise<void> | undefined;
  #endDrainDelay: (() => void) | undefined;

  constructor(setup: ListenerSetup) {
    this.#setup = setup;
  }

  /** The underlying node:http2 server, once listening. */
  get http2Server(): Http2Server | Http2SecureServer | undefined {
    return this.#server;
  }

  /** See GrpcServer.listen. */
  listen(address: string): Promise<number> {
    if (this.#server !== undefined) return Promise.reject(new Error('The server is already listening'));
    const target = parseAddress(address);
    const server = this.#createHttp2Server();
    server.on('session', this.#onSession);
    server.on('stream', this.#onStream);
    // ---- web protocols hook (issue 17): HTTP/1.1 joins the port ----
    const front = this.#setup.web?.listenOn(server, this.#setup.tls !== undefined);
    const listener = front ?? server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new Error(`Cannot listen on ${address}: ${err.message}`, { cause: err }));
      };
      listener.once('error', onError);
      const onListening = (): void => {
        listener.off('error', onError);
        this.#server = server;
        this.#front = front;
        this.#setup.onListening();
        const bound = listener.address();
        resolve(typeof bound === 'object' && bound !== null ? (bound as AddressInfo).port : 0);
      };
      if ('path' in target) {
        removeStaleSocket(target.path);
        listener.listen(target.path, onListening);
      } else {
        listener.listen(target.port, target.host, onListening);
      }
    });
  }

  #createHttp2Server(): Http2Server | Http2SecureServer {
    const { http2Options, tls, web } = this.#setup;
    if (tls === undefined) return createServer(http2Options);
    // PROTOCOL-HTTP2 "TLS": gRPC over TLS is h2 chosen by ALPN; with allowHTTP1 false node:http2 offers only
    // 'h2' and drops a client that does not negotiate it, rather than answering HTTP/1.1.
    // With `web` on, ALPN also offers http/1.1, whose connections the web front takes (issue 17).
    return createSecureServer({ ...http2Options, ...tls, allowHTTP1: web !== undefined });
  }

  /** See GrpcServer.close. */
  close(options: CloseOptions): Promise<void> {
    this.#closing ??= this.#shutdown(options);
    if (options.force === true) {
      this.#endDrainDelay?.();
      this.#cancelAll();
    }
    return this.#closing;
  }

  #cancelAll(): void {
    this.#setup.web?.close(true);
    for (const session of this.#sessions) cancelSession(session);
  }

  async #shutdown(options: CloseOptions): Promise<void> {
    const delayMs = options.drainDelayMs ?? 0;
    if (options.force !== true && delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.#endDrainDelay = () => { clearTimeout(timer); resolve(); };
      });
    }
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    // With the web front, it holds every accepted socket, HTTP/2 ones included: its close waits for them all.
    const listener = this.#front ?? server;
    this.#front = undefined;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    this.#setup.web?.close(options.force === true);
    for (const session of this.#sessions) drainSession(session);
    const graceMs = options.graceMs ?? Infinity;
    if (Number.isFinite(graceMs)) {
      const timer = setTimeout(() => this.#cancelAll(), graceMs);
      await closed;
      clearTimeout(timer);
    } else {
      await closed;
    }
  }

  readonly #onSession = (session: ServerHttp2Session): void => {
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    // A broken connection surfaces as 'close' on its streams; an unhandled 'error' would crash the process.
    session.on('error', ignore);
    session.setLocalWindowSize(SESSION_WINDOW);
    const guard = new ConnectionGuard(session, this.#setup.connectionLimits);
    this.#guards.set(session, guard);
    this.#setup.connectionPolicy.apply(session, () => guard.activeCalls);
  };

  readonly #onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    stream.on('error', ignore);
    const guard = this.#guards.get(stream.session!);
    guard?.opened(stream);
    this.#setup.onStream(stream, headers, guard);
  };

  /** The client's `host:port` ('[v6]:port'), worked out once per connection. */
  peerOf(session: { readonly socket?: Socket | undefined } | undefined): string {
    const socket = session?.socket;
    if (socket === undefined) return 'unknown';
    let peer = this.#peers.get(socket);
    if (peer === undefined) {
      const host = socket.remoteAddress ?? 'unknown';
      peer = `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`;
      this.#peers.set(socket, peer);
    }
    return peer;
  }
}

function parseAddress(address: string): { host: string; port: number } | { path: string } {
  // gRPC's naming doc: unix:path (relative or absolute) and unix:///absolute-path.
  const unix = /^unix:(?:\/\/)?(.+)$/.exec(address);
  if (unix !== null) return { path: unix[1]! };
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (match === null) throw new Error(`Invalid address "${address}": expected host:port or unix:/path`);
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : match[2]!), port: Number(match[3]) };
}

// As grpc-core: a socket file left by a process that died is unlinked before bind, else the restart fails with
// EADDRINUSE. Only a socket: any other file at the path is left for listen to report.
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Absent: nothing to remove.
  }
}

function ignore(): void {}
