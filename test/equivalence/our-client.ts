// Our standalone GrpcClient as an ExampleClient: one cold Observable per call, unsubscribed to cancel;
// onMetadata/onStatus give the initial metadata and the final status with its trailers.
import { setTimeout as delay } from 'node:timers/promises';
import { detailTypeOf, GrpcClient, toGrpcError, unpackDetail } from '../../lib/index.js';
import type { CallOptions, GrpcError, MethodDescriptor, StatusInfo } from '../../lib/index.js';
import type { Observable } from 'rxjs';
import { CallCollector } from './example-client.js';
import type { CallResult, ClientFactoryOptions, ExampleCallOptions, ExampleClient, RequestSource } from './example-client.js';
import type { ExampleReply, RequestInit } from './example-service.js';
import { fromOurMetadata, loadOurService } from './our-adapter.js';
import type { DecodedStatus } from './rpc-status-reference.js';
import { MAX_MESSAGE_BYTES } from './servers.js';
import { clientTls } from '../fixtures/tls.js';

const CANCELLED = 1;
const CLOSE_GRACE_MS = 500;

/** The error's google.rpc.Status as our library decodes it: GrpcError.status, each standard detail unpacked. */
export function decodedStatusOf(error: GrpcError): DecodedStatus | undefined {
  const status = error.status;
  if (status === undefined) return undefined;
  const details = status.details.map((packed) => {
    const type = detailTypeOf(packed);
    return { typeUrl: packed.typeUrl, value: type === undefined ? packed.value : unpackDetail(packed, type) };
  });
  return { code: status.code, message: status.message, details };
}

/**
 * One call of our library (standalone stub or Nest proxy), started by `start` with the options that collect its
 * headers and status; unsubscribing is how our clients cancel (RST_STREAM CANCEL), the Observable just stops.
 */
export function collectCall(start: (callOptions: CallOptions) => Observable<unknown>, options: ExampleCallOptions): Promise<CallResult> {
  const collector = new CallCollector(options);
  return new Promise<CallResult>((resolve, reject) => {
    let status: StatusInfo | undefined;
    const calls = start({
      timeout: options.timeout,
      compression: options.compression,
      onMetadata: (metadata) => { collector.header = fromOurMetadata(metadata); },
      onStatus: (info) => { status = info; },
    });
    const subscription = calls.subscribe({
      next: (reply) => collector.push(reply as ExampleReply),
      error: (err: unknown) => {
        options.signal?.removeEventListener('abort', cancel);
        const error = toGrpcError(err);
        reject(collector.error({ code: error.code, message: error.message }, fromOurMetadata(error.metadata), decodedStatusOf(error)));
      },
      complete: () => {
        options.signal?.removeEventListener('abort', cancel);
        // A missing onStatus shows up as absent trailers and an unexpected message in the scenarios.
        resolve(collector.result({ code: status?.code ?? 0, message: status?.message ?? '(no onStatus)' },
          status ? fromOurMetadata(status.metadata) : {}));
      },
    });
    function cancel(): void {
      subscription.unsubscribe();
      reject(collector.error({ code: CANCELLED, message: 'Cancelled on client' }, {}));
    }
    if (options.signal?.aborted) cancel();
    else options.signal?.addEventListener('abort', cancel, { once: true });
  });
}

/** An ExampleClient over our GrpcClient. */
export function createOurClient(address: string, factoryOptions: ClientFactoryOptions = {}): ExampleClient {
  const client = new GrpcClient(address, {
    defaultCompression: factoryOptions.defaultCompression,
    maxReceiveMessageLength: MAX_MESSAGE_BYTES,
    tls: factoryOptions.tls === undefined ? undefined : clientTls(factoryOptions.tls),
  });
  const service = loadOurService();

  function run(name: string, request: RequestInit | RequestSource, options: ExampleCallOptions = {}): Promise<CallResult> {
    const method = service.methods.get(name) as MethodDescriptor<RequestInit, ExampleReply> | undefined;
    if (!method) return Promise.reject(new Error(`no method ${name} in the example service`));
    return collectCall((callOptions) => client.call(method, request, { ...callOptions, metadata: options.metadata }), options);
  }

  return {
    unary: (name, request, options) => run(name, request, options),
    serverStream: (name, request, options) => run(name, request, options),
    clientStream: (name, requests, options) => run(name, requests, options),
    bidi: (name, requests, options) => run(name, requests, options),
    async close() {
      await Promise.race([client.close(), delay(CLOSE_GRACE_MS)]);
      await client.close({ force: true });
    },
  };
}
