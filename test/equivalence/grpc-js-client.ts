// The grpc-js client as an ExampleClient. grpc-js has no per-call compression, only the channel option
// 'grpc.default_compression_algorithm', so each compression setting gets its own channel.
import grpc from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';
import { CallCollector } from './example-client.js';
import type { CallResult, ClientFactoryOptions, EncodingName, ExampleCallOptions, ExampleClient, RequestSource }
  from './example-client.js';
import { fromGrpcJsMetadata, loadGrpcJsService, toGrpcJsMetadata } from './grpc-js-adapter.js';
import type { ExampleReply, RequestInit } from './example-service.js';
import { referenceDecodeStatus } from './rpc-status-reference.js';
import { MAX_MESSAGE_BYTES } from './servers.js';
import { grpcJsChannelCredentials } from '../fixtures/tls.js';

type AnyCall = grpc.ClientUnaryCall | grpc.ClientReadableStream<ExampleReply> | grpc.ClientWritableStream<RequestInit>
  | grpc.ClientDuplexStream<RequestInit, ExampleReply>;
type Writer = grpc.ClientWritableStream<RequestInit> | grpc.ClientDuplexStream<RequestInit, ExampleReply>;

/** Settles when grpc-js reports the status (and, for reply streams, after the last 'data'). */
function track(call: AnyCall, collector: CallCollector, options: ExampleCallOptions, readable: boolean): Promise<CallResult> {
  return new Promise<CallResult>((resolve, reject) => {
    const events: EventEmitter = call;
    const cancel = (): void => call.cancel();
    if (options.signal?.aborted) cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });
    events.on('metadata', (metadata: grpc.Metadata) => { collector.header = fromGrpcJsMetadata(metadata); });
    if (readable) events.on('data', (reply: ExampleReply) => collector.push(reply));
    events.on('error', () => { /* the 'status' event carries the failure */ });
    events.on('status', (status: grpc.StatusObject) => {
      options.signal?.removeEventListener('abort', cancel);
      const normal = { code: status.code, message: status.details };
      const trailer = fromGrpcJsMetadata(status.metadata);
      // grpc-js leaves rich details in the trailing metadata; its users decode them with protobufjs.
      const [details] = status.metadata.get('grpc-status-details-bin');
      const rich = Buffer.isBuffer(details) ? referenceDecodeStatus(details) : undefined;
      if (status.code !== grpc.status.OK) reject(collector.error(normal, trailer, rich));
      else if (!readable || (call as grpc.ClientReadableStream<ExampleReply>).readableEnded) {
        resolve(collector.result(normal, trailer));
      } else events.once('end', () => resolve(collector.result(normal, trailer)));
    });
  });
}

async function writeAll(call: Writer, requests: RequestSource, settled: Promise<unknown>): Promise<void> {
  let done = false;
  settled.then(() => { done = true; }, () => { done = true; });
  for await (const request of requests) {
    if (done) return;
    if (!call.write(request)) await Promise.race([new Promise((resolve) => call.once('drain', resolve)), settled]);
  }
  if (!done) call.end();
}

function callOptions(options: ExampleCallOptions): grpc.CallOptions {
  return options.timeout === undefined ? {} : { deadline: Date.now() + options.timeout };
}

/** An ExampleClient over grpc-js's generic Client. */
export function createGrpcJsClient(address: string, factoryOptions: ClientFactoryOptions = {}): ExampleClient {
  const service = loadGrpcJsService(factoryOptions.loader);
  const channels = new Map<EncodingName | undefined, grpc.Client>();
  const channel = (compression: EncodingName | undefined): grpc.Client => {
    const chosen = compression ?? factoryOptions.defaultCompression;
    let client = channels.get(chosen);
    if (!client) {
      client = new grpc.Client(address, grpcJsChannelCredentials(factoryOptions.tls), {
        'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
        // grpc-js would send the IP address as the TLS server name, which Node deprecates (DEP0123) with a warning.
        ...(factoryOptions.tls && { 'grpc.ssl_target_name_override': 'localhost' }),
        ...(chosen && { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms[chosen] }),
      });
      channels.set(chosen, client);
    }
    return client;
  };
  const method = (name: string): grpc.MethodDefinition<RequestInit, ExampleReply> => {
    const definition = service[name];
    if (!definition) throw new Error(`no method ${name} in the example service`);
    return definition;
  };

  return {
    unary(name, request, options = {}) {
      const m = method(name);
      const collector = new CallCollector(options);
      const call = channel(options.compression).makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize,
        request, toGrpcJsMetadata(options.metadata), callOptions(options),
        (err, reply) => { if (!err && reply) collector.push(reply); });
      return track(call, collector, options, false);
    },
    serverStream(name, request, options = {}) {
      const m = method(name);
      const call = channel(options.compression).makeServerStreamRequest(m.path, m.requestSerialize,
        m.responseDeserialize, request, toGrpcJsMetadata(options.metadata), callOptions(options));
      return track(call, new CallCollector(options), options, true);
    },
    clientStream(name, requests, options = {}) {
      const m = method(name);
      const collector = new CallCollector(options);
      const call = channel(options.compression).makeClientStreamRequest(m.path, m.requestSerialize,
        m.responseDeserialize, toGrpcJsMetadata(options.metadata), callOptions(options),
        (err, reply) => { if (!err && reply) collector.push(reply); });
      const settled = track(call, collector, options, false);
      void writeAll(call, requests, settled);
      return settled;
    },
    bidi(name, requests, options = {}) {
      const m = method(name);
      const call = channel(options.compression).makeBidiStreamRequest(m.path, m.requestSerialize,
        m.responseDeserialize, toGrpcJsMetadata(options.metadata), callOptions(options));
      const settled = track(call, new CallCollector(options), options, true);
      void writeAll(call, requests, settled);
      return settled;
    },
    async close() {
      for (const client of channels.values()) client.close();
      channels.clear();
    },
  };
}
