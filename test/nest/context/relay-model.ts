// The relay service's messages and what one hop reads of its request context, used by every context test.
import { fileURLToPath } from 'node:url';
import type { MetadataValue } from '../../../lib/protocol/metadata.js';
import type { GrpcRequestContext } from '../../../lib/context/request-context.js';

export const RELAY_PROTO = fileURLToPath(new URL('../../../../test/nest/context/protos/relay.proto', import.meta.url));
/** Field names as written, for the Nest strategy, the proxy and the standalone client alike. */
export const RELAY_LOADER = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
/** Every test is bounded; nothing may hang the run. */
export const BOUND = { timeout: 20_000 };

export interface HopRequest { tag: string; count?: number; delay?: number; timeout?: number; hold?: number; repeat?: number }
export interface Seen {
  service: string; id: string; stack: string[]; data: Record<string, string>; headers: Record<string, string>;
  deadline?: number; listeners_in_flight?: number; leaked_listeners?: number;
}
export interface HopReply { hops: Seen[]; tag: string }
export interface Tick { tag: string; rid: string; id: string; seq: number }

function text(value: MetadataValue | undefined): string {
  return value === undefined ? '' : typeof value === 'string' ? value : value.toString('base64');
}

/** What a hop saw: user-agent left out, it names the client library rather than the call. */
export function describeContext(service: string, context: GrpcRequestContext): Seen {
  const headers: Record<string, string> = {};
  for (const key of context.metadata.keys()) if (key !== 'user-agent') headers[key] = text(context.metadata.get(key)[0]);
  const data: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.data)) data[name] = text(value);
  return { service, id: context.callId, stack: [...context.callIdStack], data, headers };
}

/** A tick stamped with the current context: its request id and call id. */
export function stampTick(context: GrpcRequestContext | undefined, tag: string, seq: number): Tick {
  return { tag, rid: text(context?.metadata.get('x-request-id')[0]), id: context?.callId ?? '', seq };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
