// A raw node:http2 client for the bad-input tests: sends exact headers and body bytes, no gRPC logic,
// and collects what comes back. Every request is bounded in time, so a server that never answers fails, not hangs.
import { connect, constants } from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { after, before } from 'node:test';

/** One request: headers merged over gRPC defaults (an undefined value drops that header), then raw body chunks. */
export interface RawRequest {
  path: string;
  headers?: Readonly<Record<string, string | undefined>>;
  body?: readonly Buffer[];
  /** Half-close after the body; default true. */
  endStream?: boolean;
  /** Fail when the stream has not closed by then; default 5000 ms. */
  timeoutMs?: number;
}

/** What came back on one stream. */
export interface RawResponse {
  httpStatus: number | undefined;
  /** From the trailers, or from the response headers for a trailers-only response. */
  grpcStatus: number | undefined;
  grpcMessage: string | undefined;
  /** True when grpc-status came in the response HEADERS (one frame, no body, no trailers). */
  trailersOnly: boolean;
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders | undefined;
  body: Buffer;
  /** RST_STREAM code the stream closed with (0 when it ended cleanly). */
  rstCode: number;
}

/** A request in flight: the raw stream, for tests that write more or reset it, and its eventual response. */
export interface OpenRequest {
  stream: ClientHttp2Stream;
  response: Promise<RawResponse>;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** One HTTP/2 connection to a server under test. */
export class RawClient {
  readonly session: ClientHttp2Session;
  /** Session-level errors seen; a test may assert there were none. */
  readonly sessionErrors: Error[] = [];
  // Our own TCP socket, not the session's proxy (whose destroy() is a polite session.destroy()), so vanish() can drop it.
  readonly #socket: Socket;

  private constructor(session: ClientHttp2Session, socket: Socket) {
    this.session = session;
    this.#socket = socket;
    session.on('error', (err: Error) => this.sessionErrors.push(err));
  }

  /** Connects to 127.0.0.1:port and waits for the HTTP/2 handshake. */
  static connect(port: number): Promise<RawClient> {
    const socket = connectTcp(port, '127.0.0.1');
    const session = connect(`http://127.0.0.1:${port}`, { createConnection: () => socket });
    return new Promise((resolve, reject) => {
      session.once('error', reject);
      session.once('connect', () => {
        session.off('error', reject);
        resolve(new RawClient(session, socket));
      });
    });
  }

  /** Drops the TCP connection with no GOAWAY or RST_STREAM: a FIN, or a TCP reset when `reset`. */
  vanish(reset = false): void {
    if (reset) this.#socket.resetAndDestroy();
    else this.#socket.destroy();
  }

  /** Sends `request` and resolves with everything the server answered once the stream closes. */
  request(request: RawRequest): Promise<RawResponse> {
    return this.open(request).response;
  }

  /** Opens a stream, writes the body, and leaves the stream to the caller (endStream defaults to true here too). */
  open(request: RawRequest): OpenRequest {
    const headers: OutgoingHttpHeaders = { ':method': 'POST', ':path': request.path };
    const given: Record<string, string | undefined> = { 'content-type': 'application/grpc', te: 'trailers', ...request.headers };
    for (const [name, value] of Object.entries(given)) if (value !== undefined) headers[name] = value;
    const stream = this.session.request(headers, { endStream: false });
    for (const chunk of request.body ?? []) stream.write(chunk);
    if (request.endStream ?? true) stream.end();
    return { stream, response: collect(stream, request.path, request.timeoutMs ?? DEFAULT_TIMEOUT_MS) };
  }

  /** Closes the connection; rejects (after destroying it) when streams are still open after `timeoutMs`. */
  close(timeoutMs = 2000): Promise<void> {
    const session = this.session;
    if (session.closed || session.destroyed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        session.destroy();
        reject(new Error(`The client session did not close within ${timeoutMs} ms: a stream was left open`));
      }, timeoutMs);
      session.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** A server a suite runs against, as the shared set-up needs it. */
export interface ServerUnderTest {
  readonly port: number;
  close(): Promise<void>;
}

/** A suite's server and the one RawClient connected to it; set once the suite's `before` ran. */
export interface RawSuite<S extends ServerUnderTest> {
  readonly server: S;
  readonly client: RawClient;
}

/** Registers the suite's shared set-up: before, `start` a server and connect a RawClient; after, close both. */
export function rawSuite<S extends ServerUnderTest>(start: () => Promise<S>): RawSuite<S> {
  const suite: { server?: S; client?: RawClient } = {};
  before(async () => {
    suite.server = await start();
    suite.client = await RawClient.connect(suite.server.port);
  });
  after(async () => {
    await suite.client?.close();
    await suite.server?.close();
  });
  return suite as RawSuite<S>;
}

function collect(stream: ClientHttp2Stream, path: string, timeoutMs: number): Promise<RawResponse> {
  let headers: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders | undefined;
  const chunks: Buffer[] = [];
  stream.on('response', (received) => { headers = received; });
  stream.on('trailers', (received) => { trailers = received; });
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  // A reset surfaces as 'error' for most codes; the close handler reports rstCode, so nothing is lost here.
  stream.on('error', () => {});
  stream.on('end', () => {
    // The server answered before the request was complete (an oversized prefix, say): finish our half too.
    if (!stream.writableEnded && !stream.destroyed) stream.end();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`No end of stream for ${path} within ${timeoutMs} ms (response headers: ${JSON.stringify(headers)})`));
      stream.close(constants.NGHTTP2_CANCEL);
    }, timeoutMs);
    stream.once('close', () => {
      clearTimeout(timer);
      const statusSource = trailers ?? headers;
      const grpcStatus = headerValue(statusSource['grpc-status']);
      resolve({
        httpStatus: headers[':status'] === undefined ? undefined : Number(headers[':status']),
        grpcStatus: grpcStatus === undefined ? undefined : Number(grpcStatus),
        grpcMessage: headerValue(statusSource['grpc-message']),
        trailersOnly: trailers === undefined && headers['grpc-status'] !== undefined,
        headers,
        trailers,
        body: Buffer.concat(chunks),
        rstCode: stream.rstCode ?? 0,
      });
    });
  });
}

function headerValue(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}
