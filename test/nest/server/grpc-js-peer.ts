// A grpc-js client as the tests' peer: any method of a proto by 'pkg.Service/Method'; every call settles
// with its replies, status, and the 'x-' keys of its initial and trailing metadata. Never rejects.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import type { EventEmitter } from 'node:events';
import { LOADER } from './fixtures.js';

export type MetadataRecord = Record<string, (string | Buffer)[]>;

export interface Outcome {
  readonly code: number;
  readonly details: string;
  readonly responses: unknown[];
  readonly header: MetadataRecord;
  readonly trailer: MetadataRecord;
}

export interface PeerCallOptions {
  readonly metadata?: Record<string, string | Buffer | (string | Buffer)[]>;
  readonly timeoutMs?: number;
  /** Aborting cancels the call. */
  readonly signal?: AbortSignal;
  onResponse?(response: unknown, index: number): void;
}

type Method = protoLoader.MethodDefinition<object, unknown>;
type AnyCall = grpc.ClientUnaryCall | grpc.ClientReadableStream<unknown> | grpc.ClientWritableStream<object>;

function customKeys(metadata: grpc.Metadata | undefined): MetadataRecord {
  const all = metadata?.toJSON() ?? {};
  return Object.fromEntries(Object.entries(all).filter(([key]) => key.startsWith('x-')).map(([key, values]) => [key, [...values]]));
}

export class GrpcJsPeer {
  readonly #client: grpc.Client;
  readonly #definition: protoLoader.PackageDefinition;

  constructor(readonly address: string, protoPath: string) {
    this.#definition = protoLoader.loadSync(protoPath, LOADER);
    this.#client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  unary(path: string, request: object, options: PeerCallOptions = {}): Promise<Outcome> {
    const m = this.#method(path);
    const responses: unknown[] = [];
    const call = this.#client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request,
      this.#metadata(options), this.#options(options), (err, reply) => { if (!err) responses.push(reply); });
    return this.#track(call, responses, options, false);
  }

  serverStream(path: string, request: object, options: PeerCallOptions = {}): Promise<Outcome> {
    const m = this.#method(path);
    const call = this.#client.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, request,
      this.#metadata(options), this.#options(options));
    return this.#track(call, [], options, true);
  }

  clientStream(path: string, requests: readonly object[], options: PeerCallOptions = {}): Promise<Outcome> {
    const m = this.#method(path);
    const responses: unknown[] = [];
    const call = this.#client.makeClientStreamRequest(m.path, m.requestSerialize, m.responseDeserialize,
      this.#metadata(options), this.#options(options), (err, reply) => { if (!err) responses.push(reply); });
    for (const request of requests) call.write(request);
    call.end();
    return this.#track(call, responses, options, false);
  }

  bidi(path: string, requests: readonly object[], options: PeerCallOptions = {}): Promise<Outcome> {
    const m = this.#method(path);
    const call = this.#client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize,
      this.#metadata(options), this.#options(options));
    for (const request of requests) call.write(request);
    call.end();
    return this.#track(call, [], options, true);
  }

  close(): void {
    this.#client.close();
  }

  #method(path: string): Method {
    const [service = '', name = ''] = path.split('/');
    const method = (this.#definition[service] as protoLoader.ServiceDefinition | undefined)?.[name];
    if (method === undefined) throw new Error(`no method ${path} in the proto`);
    return method as Method;
  }

  #metadata(options: PeerCallOptions): grpc.Metadata {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(options.metadata ?? {})) {
      for (const item of [value].flat()) metadata.add(key, item);
    }
    return metadata;
  }

  #options(options: PeerCallOptions): grpc.CallOptions {
    return options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs };
  }

  /** Settles on 'status' (and, for reply streams, after the last 'data'). */
  #track(call: AnyCall, responses: unknown[], options: PeerCallOptions, readable: boolean): Promise<Outcome> {
    return new Promise((resolve) => {
      const events: EventEmitter = call;
      let header: MetadataRecord = {};
      const cancel = (): void => call.cancel();
      options.signal?.addEventListener('abort', cancel, { once: true });
      events.on('metadata', (metadata: grpc.Metadata) => { header = customKeys(metadata); });
      events.on('error', () => { /* the status carries it */ });
      if (readable) {
        events.on('data', (reply: unknown) => {
          responses.push(reply);
          options.onResponse?.(reply, responses.length - 1);
        });
      }
      events.on('status', (status: grpc.StatusObject) => {
        options.signal?.removeEventListener('abort', cancel);
        const settle = (): void => resolve({
          code: status.code, details: status.details, responses, header, trailer: customKeys(status.metadata),
        });
        const stream = call as grpc.ClientReadableStream<unknown>;
        if (!readable || status.code !== grpc.status.OK || stream.readableEnded) settle();
        else events.once('end', settle);
      });
    });
  }
}
