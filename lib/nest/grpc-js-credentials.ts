// Transport.GRPC's `credentials` (grpc-js ServerCredentials / ChannelCredentials objects) read as our `tls` options,
// so an app that already builds them keeps its TLS lines. Read by duck typing the fields grpc-js 1.x keeps them in:
// this package never loads grpc-js. What has no node:tls equivalent is refused, naming what to use instead.
import type { SecureClientSessionOptions, SecureServerOptions } from 'node:http2';
import type { PeerCertificate, SecureContext } from 'node:tls';

/** The members of grpc-js's ServerCredentials read here (server-credentials.ts). */
interface ServerCredentialsShape {
  _isSecure(): boolean;
  _getConstructorOptions(): SecureServerOptions | null;
  _getSecureContextOptions(): SecureServerOptions | null;
  _getInterceptors?(): unknown[];
}

/** The members of grpc-js's secure ChannelCredentials (SecureChannelCredentialsImpl) read here. */
interface ChannelCredentialsShape {
  _isSecure(): boolean;
  secureContext?: SecureContext;
  verifyOptions?: { checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined; rejectUnauthorized?: boolean };
  callCredentials?: unknown;
}

/**
 * The `tls` option equivalent to grpc-js server credentials: undefined for createInsecure(), the node:tls options
 * grpc-js would hand node:http2 for createSsl() (key, cert, ca, requestCert). Throws a TypeError for others.
 */
export function tlsOfServerCredentials(credentials: unknown): SecureServerOptions | undefined {
  if (!isServerCredentials(credentials)) throw refusal('a grpc-js ServerCredentials object', credentials, 'server');
  if (!credentials._isSecure()) return undefined;
  if ((credentials._getInterceptors?.() ?? []).length > 0) {
    throw refusal('server credentials without interceptors', credentials, 'server');
  }
  const context = credentials._getSecureContextOptions();
  // Certificate-provider credentials have no certificates until their providers report: nothing to read now.
  if (context === null || 'identityCertificateProvider' in credentials) {
    throw refusal('ServerCredentials.createSsl() credentials', credentials, 'server');
  }
  return { ...credentials._getConstructorOptions(), ...context };
}

/**
 * The client `tls` option equivalent to grpc-js channel credentials: undefined for createInsecure(); for
 * createSsl() or createFromSecureContext() their secure context and verify options. Throws a TypeError for others.
 */
export function tlsOfChannelCredentials(credentials: unknown): SecureClientSessionOptions | undefined {
  if (!isChannelCredentials(credentials)) throw refusal('a grpc-js ChannelCredentials object', credentials, 'client');
  if (!credentials._isSecure()) return undefined;
  if (credentials.callCredentials !== undefined) {
    throw refusal('channel credentials without call credentials (add per-call metadata with an interceptor)', credentials, 'client');
  }
  const { secureContext, verifyOptions = {} } = credentials;
  if (secureContext === undefined || 'caCertificateProvider' in credentials) {
    throw refusal('ChannelCredentials.createSsl() or createFromSecureContext() credentials', credentials, 'client');
  }
  const tls: SecureClientSessionOptions = { secureContext };
  if (verifyOptions.checkServerIdentity !== undefined) tls.checkServerIdentity = verifyOptions.checkServerIdentity;
  if (verifyOptions.rejectUnauthorized !== undefined) tls.rejectUnauthorized = verifyOptions.rejectUnauthorized;
  return tls;
}

function isServerCredentials(value: unknown): value is ServerCredentialsShape {
  const shape = value as Partial<Record<keyof ServerCredentialsShape, unknown>> | null;
  return typeof shape === 'object' && shape !== null && typeof shape._isSecure === 'function'
    && typeof shape._getConstructorOptions === 'function' && typeof shape._getSecureContextOptions === 'function';
}

function isChannelCredentials(value: unknown): value is ChannelCredentialsShape {
  const shape = value as { _isSecure?: unknown; _createSecureConnector?: unknown } | null;
  return typeof shape === 'object' && shape !== null && typeof shape._isSecure === 'function'
    && typeof shape._createSecureConnector === 'function';
}

function refusal(expected: string, credentials: unknown, side: 'server' | 'client'): TypeError {
  const got = typeof credentials === 'object' && credentials !== null
    ? String((credentials as { constructor?: { name?: unknown } }).constructor?.name ?? 'object') : typeof credentials;
  const instead = side === 'server' ? '{ tls: { key, cert, ca } }' : '{ tls: { ca, key, cert } }';
  return new TypeError(`The "credentials" option takes ${expected}, got ${got}: give the certificates as node:tls options instead, ${instead}`);
}
