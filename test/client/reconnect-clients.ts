// The client kinds of the reconnect tests, behind one small interface: ours, and grpc-js as the reference.
// grpc-js takes only the initial and max backoff as channel options; multiplier and jitter stay at its defaults.

import * as grpc from '@grpc/grpc-js';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { Status } from '../../lib/protocol/status.js';
import type { StatusInfo } from '../../lib/protocol/trailers.js';
import { echoMethod, echoService } from './fixtures.js';
import type { EchoStub } from './fixtures.js';
import type { EchoReply, EchoRequest } from './echo-server.js';

export interface ReconnectCallOptions {
  readonly waitForReady?: boolean;
  readonly timeoutMs?: number;
  /** Aborting cancels the call. */
  readonly signal?: AbortSignal;
}

/** How a call failed, whichever client made it. */
export class CallFailure extends Error {
  constructor(readonly code: Status, message: string) {
    super(message);
  }
}

export interface ReconnectClient {
  /** The reply's text, or a CallFailure. */
  unary(text: string, options?: ReconnectCallOptions): Promise<string>;
  close(): Promise<void>;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface ReconnectClientKind {
  readonly name: string;
  create(address: string, backoff: Backoff): ReconnectClient;
}

function createOurs(address: string, backoff: Backoff): ReconnectClient {
  const client = new GrpcClient(address, { reconnectBackoff: backoff });
  const stub = client.getService<EchoStub>(echoService);
  return {
    unary(text, options = {}) {
      return new Promise((resolve, reject) => {
        const fail = (status: StatusInfo): void => reject(new CallFailure(status.code, status.message));
        let reply = '';
        const subscription = stub.Unary({ text }, {
          waitForReady: options.waitForReady,
          timeout: options.timeoutMs,
          // Also reports the CANCELLED of an unsubscribe, which the Observable itself does not.
          onStatus: (status) => { if (status.code !== Status.OK) fail(status); },
        }).subscribe({ next: (value) => { reply = value.text; }, error: () => undefined, complete: () => resolve(reply) });
        options.signal?.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
      });
    },
    close: () => client.close(),
  };
}

function createGrpcJs(address: string, backoff: Backoff): ReconnectClient {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': backoff.initialMs,
    'grpc.max_reconnect_backoff_ms': backoff.maxMs,
  });
  const method = echoMethod('Unary');
  return {
    unary(text, options = {}) {
      return new Promise((resolve, reject) => {
        const callOptions: grpc.CallOptions = {};
        if (options.timeoutMs !== undefined) callOptions.deadline = Date.now() + options.timeoutMs;
        // grpc-js takes waitForReady as a metadata option, not a call option.
        const metadata = new grpc.Metadata({ waitForReady: options.waitForReady === true });
        const call = client.makeUnaryRequest<Partial<EchoRequest>, EchoReply>(
          method.path, (value) => method.serializeRequest(value), (bytes) => method.deserializeResponse(bytes) as EchoReply,
          { text }, metadata, callOptions,
          (err, value) => {
            if (err) reject(new CallFailure(err.code, err.details));
            else resolve(value?.text ?? '');
          });
        options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
      });
    },
    close: async () => client.close(),
  };
}

export const reconnectClientKinds: readonly ReconnectClientKind[] = [
  { name: 'ours', create: createOurs },
  { name: 'grpc-js', create: createGrpcJs },
];

/** The CallFailure a call ends with; an assertion failure if it succeeds or fails otherwise. */
export async function failureOf(call: Promise<unknown>): Promise<CallFailure> {
  const outcome = await call.then(() => undefined, (err: unknown) => err);
  if (outcome instanceof CallFailure) return outcome;
  throw new Error(`expected the call to fail, got ${outcome === undefined ? 'success' : String(outcome)}`);
}
