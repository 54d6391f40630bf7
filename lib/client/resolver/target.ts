// Target strings as grpc-js reads them (doc/naming.md): `scheme:[//authority/]endpoint`, a bare `host:port` being
// `dns:host:port`; and the endpoint forms the built-in schemes take (host[:port], [v6][:port], comma lists).

import { isIP } from 'node:net';
import type { Address } from './address.js';

/** A target split into its URI parts. */
export interface ParsedTarget {
  /** Lower-case scheme: dns, ipv4, ipv6, unix, or one a resolver was registered for. */
  readonly scheme: string;
  /** The URI authority (`dns://8.8.8.8/host` gives 8.8.8.8); usually empty. */
  readonly authority: string;
  /** What the scheme's resolver reads: `host:port`, a comma list, a socket path. */
  readonly endpoint: string;
  /** The target had no scheme (`host:port`). */
  readonly bare: boolean;
}

/** Port used when a dns target names none, as grpc-js. */
export const DEFAULT_PORT = 443;

const URI = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/]*)\/)?(.*)$/;

/**
 * Splits a target. `knownScheme` says which schemes have a resolver: an unknown one means the string is a bare
 * `host:port` (so `localhost:50051` is not scheme `localhost`), as grpc-js falls back to dns. Throws TypeError.
 */
export function parseTarget(target: string, knownScheme: (scheme: string) => boolean): ParsedTarget {
  if (typeof target !== 'string' || target.length === 0 || /\s/.test(target)) {
    throw new TypeError(`GrpcClient target must be 'host:port' or 'scheme:endpoint', got '${String(target)}'`);
  }
  const match = URI.exec(target);
  const scheme = match?.[1]?.toLowerCase();
  if (match !== null && scheme !== undefined && knownScheme(scheme)) {
    // unix:///abs/path and unix:/abs/path both name /abs/path; the authority form is the only way to an absolute path with //.
    if (scheme === 'unix') return { scheme, authority: '', endpoint: target.slice(5).replace(/^\/\//, ''), bare: false };
    return { scheme, authority: match[2] ?? '', endpoint: match[3] ?? '', bare: false };
  }
  return { scheme: 'dns', authority: '', endpoint: target, bare: true };
}

/** `host:port`, `host`, `[v6]:port`, `[v6]` or a bare IPv6 literal; undefined when it is none of these. */
export function parseHostPort(endpoint: string, defaultPort: number | undefined): { host: string; port: number } | undefined {
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint);
  if (bracketed !== null) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (isIP(host) !== 6) return undefined;
  } else if (isIP(endpoint) === 6) {
    host = endpoint;
  } else {
    const plain = /^([^:/\s[\]]+)(?::(\d+))?$/.exec(endpoint);
    if (plain === null) return undefined;
    host = plain[1]!;
    portText = plain[2];
  }
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { host, port };
}

/** The addresses of an `ipv4:` or `ipv6:` endpoint list: each an IP literal of that family with a port. Throws TypeError. */
export function parseIpList(scheme: 'ipv4' | 'ipv6', endpoint: string): Address[] {
  const family = scheme === 'ipv4' ? 4 : 6;
  return endpoint.split(',').map((part) => {
    const address = parseHostPort(part, DEFAULT_PORT);
    if (address === undefined || isIP(address.host) !== family) {
      throw new TypeError(`'${scheme}:' target needs IPv${family} addresses with ports, got '${part}'`);
    }
    return address;
  });
}

/** The :authority a target's calls carry: localhost for address lists and sockets (as grpc-js), else the endpoint. */
export function defaultAuthority(target: ParsedTarget): string {
  return target.scheme === 'ipv4' || target.scheme === 'ipv6' || target.scheme === 'unix' ? 'localhost' : target.endpoint;
}
