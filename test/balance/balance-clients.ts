// Our client and grpc-js's, each given the same target and service config, as one shape for the balancing tests.

import * as grpc from '@grpc/grpc-js';
import { lastValueFrom, toArray } from 'rxjs';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import type { ClientOptions } from '../../lib/client/grpc-client.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { sleep } from '../client/fixtures.js';
import { WhereClient, whereService } from './where-server.js';
import type { SeenReply, WhoReply } from './where-server.js';

/** The outcome of one unary call: the reply, or the status code it failed with. */
export type Outcome = { readonly reply: WhoReply } | { readonly code: number; readonly message?: string };

/** The outcome of a Collect call. */
export type SeenOutcome = { readonly reply: SeenReply } | { readonly code: number; readonly message?: string };

export interface BalanceClient {
  who(options?: { waitForReady?: boolean; timeoutMs?: number; tag?: string }): Promise<Outcome>;
  /** The server-streaming method: its two replies, or the code it failed with. */
  stream(): Promise<Outcome[] | { readonly code: number }>;
  /** The client-streaming method: `tags` written `gapMs` apart, then half-close; the reply or the code. */
  collect(tags: readonly string[], gapMs: number): Promise<SeenOutcome>;
  /** The bidi method, written the same way: its replies, or the code. */
  chat(tags: readonly string[], gapMs: number): Promise<SeenReply[] | { readonly code: number }>;
  state(tryToConnect: boolean): number;
  close(): void;
}

/** Client settings beside the service config, each with its grpc-js channel option. */
export interface Extra {
  readonly backoffMs?: number;
  /** grpc.per_rpc_retry_buffer_size */
  readonly perRpcRetryBufferSize?: number;
  /** grpc.retry_buffer_size */
  readonly retryBufferSize?: number;
}

export interface BalanceClientKind {
  readonly name: string;
  create(target: string, serviceConfig: object, extra?: Extra): BalanceClient;
}

const who = whereService.methods.get('Who')!;
const stream = whereService.methods.get('Stream')!;
const collect = whereService.methods.get('Collect')!;
const chat = whereService.methods.get('Chat')!;

/** Request messages as a caller produces them over time: `gapMs` between two. */
async function* paced(tags: readonly string[], gapMs: number): AsyncGenerator<{ tag: string }> {
  for (const [i, tag] of tags.entries()) {
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    yield { tag };
  }
}

/** The same for grpc-js's writable call: written while it lasts, then ended. */
async function writePaced(call: grpc.ClientWritableStream<{ tag: string }>, tags: readonly string[], gapMs: number): Promise<void> {
  for (const [i, tag] of tags.entries()) {
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    if (call.destroyed) return;
    call.write({ tag });
  }
  call.end();
}

/** The code of a failed call; its message is kept out of deep-equal comparisons but shows in assertion output. */
function failure(err: unknown): Outcome {
  const outcome = { code: err instanceof GrpcError ? err.code : -1 };
  Object.defineProperty(outcome, 'message', { value: (err as Error).message, enumerable: false });
  return outcome;
}

/** The same for grpc-js's ServiceError. */
function grpcJsFailure(err: grpc.ServiceError): Outcome {
  const outcome = { code: err.code };
  Object.defineProperty(outcome, 'message', { value: err.message, enumerable: false });
  return outcome;
}

export const ours: BalanceClientKind = {
  name: 'ours',
  create(target, serviceConfig, extra) {
    const options: ClientOptions = { serviceConfig };
    if (extra?.backoffMs !== undefined) options.reconnectBackoff = { initialMs: extra.backoffMs, maxMs: extra.backoffMs };
    if (extra?.perRpcRetryBufferSize !== undefined) options.perRpcRetryBufferSize = extra.perRpcRetryBufferSize;
    if (extra?.retryBufferSize !== undefined) options.retryBufferSize = extra.retryBufferSize;
    const client = new GrpcClient(target, options);
    return {
      who: (callOptions) => client.callForResponse(who, { tag: callOptions?.tag ?? '' }, {
        waitForReady: callOptions?.waitForReady,
        timeout: callOptions?.timeoutMs,
      }).then((reply) => ({ reply: reply as WhoReply }), (err: unknown) => failure(err)),
      stream: () => lastValueFrom(client.call(stream, { tag: '' }).pipe(toArray())).then(
        (replies) => replies.map((reply) => ({ reply: reply as WhoReply })),
        (err: unknown) => failure(err) as { code: number }),
      collect: (tags, gapMs) => client.callForResponse(collect, paced(tags, gapMs), { timeout: 5000 }).then(
        (reply): SeenOutcome => ({ reply: reply as SeenReply }), (err: unknown) => failure(err) as { code: number }),
      chat: (tags, gapMs) => lastValueFrom(client.call(chat, paced(tags, gapMs), { timeout: 5000 }).pipe(toArray())).then(
        (replies) => replies as SeenReply[], (err: unknown) => failure(err) as { code: number }),
      state: (tryToConnect) => client.getConnectivityState(tryToConnect),
      close: () => void client.close(),
    };
  },
};

export const grpcJs: BalanceClientKind = {
  name: 'grpc-js',
  create(target, serviceConfig, extra) {
    const options: grpc.ChannelOptions = { 'grpc.service_config': JSON.stringify(serviceConfig) };
    if (extra?.backoffMs !== undefined) {
      options['grpc.initial_reconnect_backoff_ms'] = extra.backoffMs;
      options['grpc.max_reconnect_backoff_ms'] = extra.backoffMs;
    }
    if (extra?.perRpcRetryBufferSize !== undefined) options['grpc.per_rpc_retry_buffer_size'] = extra.perRpcRetryBufferSize;
    if (extra?.retryBufferSize !== undefined) options['grpc.retry_buffer_size'] = extra.retryBufferSize;
    const client = new WhereClient(target, grpc.credentials.createInsecure(), options);
    return {
      who: (callOptions) => new Promise<Outcome>((resolve) => {
        const deadline = callOptions?.timeoutMs === undefined ? Infinity : Date.now() + callOptions.timeoutMs;
        const call = client['Who'] as (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, reply?: WhoReply) => void) => void;
        // grpc-js takes waitForReady as a metadata option, not a call option.
        const metadata = new grpc.Metadata({ waitForReady: callOptions?.waitForReady === true });
        call.call(client, { tag: callOptions?.tag ?? '' }, metadata, { deadline }, (err, reply) => {
          resolve(err === null ? { reply: reply! } : grpcJsFailure(err));
        });
      }),
      stream: () => new Promise((resolve) => {
        const replies: Outcome[] = [];
        const call = (client['Stream'] as (req: object) => grpc.ClientReadableStream<WhoReply>).call(client, { tag: '' });
        call.on('data', (reply: WhoReply) => replies.push({ reply }));
        call.on('error', (err: grpc.ServiceError) => resolve({ code: err.code }));
        call.on('end', () => resolve(replies));
      }),
      collect: (tags, gapMs) => new Promise((resolve) => {
        const method = client['Collect'] as (md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, reply?: SeenReply) => void) => grpc.ClientWritableStream<{ tag: string }>;
        const call = method.call(client, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err, reply) => {
          resolve(err === null ? { reply: reply! } : { code: err.code });
        });
        void writePaced(call, tags, gapMs);
      }),
      chat: (tags, gapMs) => new Promise((resolve) => {
        const replies: SeenReply[] = [];
        const method = client['Chat'] as (opts: grpc.CallOptions) => grpc.ClientDuplexStream<{ tag: string }, SeenReply>;
        const call = method.call(client, { deadline: Date.now() + 5000 });
        call.on('data', (reply: SeenReply) => replies.push(reply));
        call.on('error', (err: grpc.ServiceError) => resolve({ code: err.code }));
        call.on('end', () => resolve(replies));
        void writePaced(call, tags, gapMs);
      }),
      state: (tryToConnect) => client.getChannel().getConnectivityState(tryToConnect),
      close: () => client.close(),
    };
  },
};

export const clientKinds: readonly BalanceClientKind[] = [ours, grpcJs];

/** Runs `total` calls, `concurrency` at a time, and returns their outcomes in order of completion. */
export async function runCalls(client: BalanceClient, total: number, concurrency: number, options?: { waitForReady?: boolean; timeoutMs?: number }): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      outcomes.push(await client.who(options));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** Replies of the successful outcomes. */
export function repliesOf(outcomes: readonly Outcome[]): WhoReply[] {
  return outcomes.flatMap((outcome) => ('reply' in outcome ? [outcome.reply] : []));
}

/** Codes of the failed outcomes. */
export function failuresOf(outcomes: readonly Outcome[]): number[] {
  return outcomes.flatMap((outcome) => ('code' in outcome ? [outcome.code] : []));
}
