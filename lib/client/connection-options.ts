// How a client connection is set up: the options a client or a balancer passes to each Connection, and the
// node:http2 session options they become.
import type { ClientSessionOptions, SecureClientSessionOptions } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { ReconnectBackoffOptions } from './connection-backoff.js';
import type { Connection } from './connection.js';
import type { ClientKeepaliveOptions } from './session-keepalive.js';

/** Defaults chosen so large messages are not throttled by HTTP/2's 64 KiB initial windows. */
const DEFAULT_STREAM_WINDOW = 4 * 1024 * 1024;
export const DEFAULT_CONNECTION_WINDOW = 16 * 1024 * 1024;

export interface ConnectionOptions {
  http2?: ClientSessionOptions;
  /** node:tls options for an https:// url (ca, cert, key, servername...); http2 options win where both set one. */
  tls?: SecureClientSessionOptions;
  /** Connection-level receive window, set with setLocalWindowSize once connected. */
  connectionWindowSize?: number;
  /** Delays between failed connection attempts. */
  reconnectBackoff?: ReconnectBackoffOptions;
  /** Opens the socket instead of the url's host and port (a Unix domain socket). */
  createConnection?: () => Duplex;
  /** Told after every change of connectivity state (a balancer's subchannel). */
  onStateChange?: (connection: Connection) => void;
  /** HTTP/2 PINGs that find a dead peer; default off. */
  keepalive?: ClientKeepaliveOptions;
}

/** The options of every session the connection opens; the caller's http2 options win where both set one. */
export function sessionOptionsOf(options: ConnectionOptions): SecureClientSessionOptions {
  return {
    // As grpc-js's transport: node:http2 refuses request headers over 64 KiB locally and, at its 10 MB
    // maxSessionMemory, resets streams ENHANCE_YOUR_CALM and then every later one (a large request still queued
    // behind a server that answered early is enough). Both caps are lifted; the server's answer decides.
    maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
    maxSessionMemory: Number.MAX_SAFE_INTEGER,
    ...options.tls,
    ...(options.createConnection === undefined ? {} : { createConnection: options.createConnection }),
    ...options.http2,
    settings: { initialWindowSize: DEFAULT_STREAM_WINDOW, ...options.http2?.settings },
  };
}
