// A bare node:http2 server for client tests that need exact bytes or a misbehaving peer.

import { createServer, constants } from 'node:http2';
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';

export type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

export interface RawServer {
  address: string;
  /** Replaces the behaviour for the next streams. */
  handle(handler: StreamHandler): void;
  stop(): Promise<void>;
}

export const GRPC_OK_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };

/** Starts a plaintext HTTP/2 server on 127.0.0.1; every stream goes to the current handler. */
export async function startRawServer(): Promise<RawServer> {
  const server: Http2Server = createServer();
  let current: StreamHandler = (stream) => stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  server.on('stream', (stream, headers) => {
    // Tests reset streams on purpose; Node reports our own RST codes as stream errors.
    stream.on('error', () => undefined);
    current(stream, headers);
  });
  // Sessions are tracked so stop() never waits on a client that keeps its connection.
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    address: `127.0.0.1:${address.port}`,
    handle(handler) { current = handler; },
    stop: () => new Promise<void>((resolve) => {
      for (const session of sessions) session.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Collects a request body until the client half-closes. */
export function readBody(stream: ServerHttp2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks))));
}
