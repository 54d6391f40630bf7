// From a target string to the channel its calls use: a bare `host:port` under pick_first keeps the single
// Connection (node resolves the name at each connect, as before); anything else resolves and balances.

import { connect as connectSocket, isIP } from 'node:net';
import type { CallChannel } from '../call-channel.js';
import { Connection } from '../connection.js';
import type { ConnectionOptions } from '../connection-options.js';
import type { Address } from '../resolver/address.js';
import { findResolver, hasResolver } from '../resolver/resolver.js';
import { defaultAuthority, parseHostPort, parseIpList, parseTarget } from '../resolver/target.js';
import { BalancedChannel } from './balanced-channel.js';
import type { ConnectivityState } from './connectivity-state.js';
import { createPolicy } from './policy.js';
import type { LoadBalancingPolicyName } from './policy.js';

/** What createChannel needs besides the target. */
export interface ChannelSettings {
  readonly scheme: 'http' | 'https';
  readonly policy: LoadBalancingPolicyName;
  readonly connection: ConnectionOptions;
  readonly minTimeBetweenResolutionsMs: number;
  readonly onStateChange: (state: ConnectivityState) => void;
}

/** The channel and the :authority its calls carry. Throws TypeError for a target it cannot use. */
export function createChannel(target: string, settings: ChannelSettings): { channel: CallChannel; authority: string } {
  const parsed = parseTarget(target, hasResolver);
  if (parsed.bare) {
    // A bare target keeps its old, strict form: host and port both given.
    const hostPort = parseHostPort(target, undefined);
    if (hostPort === undefined) throw new TypeError(`GrpcClient address must be 'host:port', got '${target}'`);
    if (settings.policy === 'pick_first') {
      const connection: Connection = new Connection(`${settings.scheme}://${target}`, {
        ...settings.connection,
        onStateChange: () => settings.onStateChange(connection.connectivity),
      });
      return { channel: connection, authority: target };
    }
  }
  if (parsed.scheme === 'unix' && settings.scheme === 'https') throw new TypeError('unix: targets take plaintext only, not tls');
  // The built-in schemes' endpoints fail here, at construction, not at the first call.
  if (parsed.scheme === 'ipv4' || parsed.scheme === 'ipv6') parseIpList(parsed.scheme, parsed.endpoint);
  if (parsed.scheme === 'dns' && parseHostPort(parsed.endpoint, 443) === undefined) {
    throw new TypeError(`dns target needs 'host[:port]', got '${parsed.endpoint}'`);
  }
  const factory = findResolver(parsed.scheme)!;
  // A name's certificate is checked against the name, not against the addresses it resolved to.
  const hostPort = parsed.scheme === 'dns' ? parseHostPort(parsed.endpoint, 443) : undefined;
  const servername = hostPort !== undefined && isIP(hostPort.host) === 0 ? hostPort.host : undefined;
  const channel: BalancedChannel = new BalancedChannel({
    policy: createPolicy(settings.policy),
    startResolver: (listener) => factory(parsed, listener, { minTimeBetweenResolutionsMs: settings.minTimeBetweenResolutionsMs }),
    createSubchannel: (address, onStateChange) => createSubchannel(address, settings, servername, onStateChange),
    onStateChange: settings.onStateChange,
  });
  return { channel, authority: defaultAuthority(parsed) };
}

function createSubchannel(address: Address, settings: ChannelSettings, servername: string | undefined, onStateChange: () => void): Connection {
  if ('path' in address) {
    const path = address.path;
    return new Connection('http://localhost', { ...settings.connection, createConnection: () => connectSocket(path), onStateChange });
  }
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const tls = settings.connection.tls;
  return new Connection(`${settings.scheme}://${host}:${address.port}`, {
    ...settings.connection,
    tls: tls !== undefined && servername !== undefined ? { servername, ...tls } : tls,
    onStateChange,
  });
}
