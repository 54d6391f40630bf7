// The example service's behaviour, written once for every server under test (protos/example.proto).
// Server adapters turn their call objects into an ExampleCall and run these methods; every call is recorded.
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { failingMethods } from './example-failures.js';
import type { CallRecord, Recorder } from './recorder.js';
import type { DetailSpec } from './rpc-status-reference.js';

/** The .proto source, found from the compiled file in dist/. */
export const PROTO_PATH = fileURLToPath(new URL('../../../test/equivalence/protos/example.proto', import.meta.url));
export const SERVICE_NAME = 'nameko.example';

/** Metadata as plain data: lowercase key -> values in order; '-bin' values are Buffers. */
export type MetadataMap = Record<string, (string | Buffer)[]>;

export interface ExampleRequest {
  value: string; multiplier: number; delay_ms: number; count: number; response_size: number;
  payload: Buffer; code: number; message: string;
  trailer: Record<string, string>; trailer_bin: Record<string, Buffer>;
}
export interface ExampleReply { message: string; seqno: number; payload: Buffer; received_size: number }
export type RequestInit = Partial<ExampleRequest>;
export type ReplyInit = Partial<ExampleReply>;

/** What a handler sees, whichever server runs it. */
export interface ExampleCall {
  readonly metadata: MetadataMap;
  readonly signal: AbortSignal;          // aborted on cancellation or deadline
  readonly timeRemaining: number;        // ms when the handler started; Infinity without a deadline
  sendMetadata(metadata: MetadataMap): void;
  setTrailer(metadata: MetadataMap): void;
  /** The status sent when the handler completes normally; `details` go in grpc-status-details-bin. */
  setStatus(code: number, message: string, details: readonly DetailSpec[]): void;
}

type Requests = AsyncIterable<ExampleRequest>;
export type ExampleMethod =
  | { kind: 'unary'; run(request: ExampleRequest, call: ExampleCall): Promise<ReplyInit> }
  | { kind: 'serverStream'; run(request: ExampleRequest, call: ExampleCall): AsyncIterable<ReplyInit> }
  | { kind: 'clientStream'; run(requests: Requests, call: ExampleCall): Promise<ReplyInit> }
  | { kind: 'bidi'; run(requests: Requests, call: ExampleCall): AsyncIterable<ReplyInit> };
/** Methods by name as written in the .proto; a name missing here is unimplemented on purpose. */
export type ExampleImpl = Readonly<Record<string, ExampleMethod>>;

/** A compressible byte pattern (a 251-byte cycle) of the given size. */
export function patternBytes(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  return bytes;
}

/** The entries whose key starts with prefix. */
export function pickPrefix(metadata: MetadataMap, prefix: string): MetadataMap {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => key.startsWith(prefix)));
}

const repeat = (r: ExampleRequest): string => r.value.repeat(r.multiplier || 1);

/** Resolves after ms, or early (false) when the signal aborts. */
async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}


function echoed(call: ExampleCall): MetadataMap {
  const echo = pickPrefix(call.metadata, 'x-echo-');
  call.sendMetadata(echo);
  call.setTrailer(echo);
  return echo;
}

const methods: ExampleImpl = {
  ...failingMethods,
  unary_unary: { kind: 'unary', run: async (r) => ({ message: repeat(r) }) },
  UnaryCamelCase: { kind: 'unary', run: async (r) => ({ message: repeat(r) }) },
  // Single-word fields only, so the reply reads the same whatever keepCase says.
  echo_unary: { kind: 'unary', run: async (r) => ({ message: r.value, seqno: r.multiplier, payload: r.payload }) },
  unary_stream: {
    kind: 'serverStream',
    async *run(r) {
      yield { message: repeat(r), seqno: 1 };
      yield { message: repeat(r), seqno: 2 };
    },
  },
  stream_unary: {
    kind: 'clientStream',
    async run(requests) {
      const messages: string[] = [];
      for await (const r of requests) messages.push(repeat(r));
      return { message: messages.join(',') };
    },
  },
  stream_stream: {
    kind: 'bidi',
    async *run(requests) {
      let seqno = 0;
      for await (const r of requests) yield { message: repeat(r), seqno: ++seqno };
    },
  },
  echo_metadata_unary: { kind: 'unary', run: async (r, call) => (echoed(call), { message: r.value }) },
  echo_metadata_stream: {
    kind: 'bidi',
    async *run(requests, call) {
      echoed(call);
      let seqno = 0;
      for await (const r of requests) yield { message: r.value, seqno: ++seqno };
    },
  },
  sleep_unary: {
    kind: 'unary',
    run: async (r, call) => ({ message: (await sleep(r.delay_ms, call.signal)) ? 'slept' : 'cancelled' }),
  },
  sleep_stream: {
    kind: 'serverStream',
    async *run(r, call) {
      for (let seqno = 1; seqno <= r.count && (await sleep(r.delay_ms, call.signal)); seqno++) yield { seqno };
    },
  },
  stream_forever: {
    kind: 'serverStream',
    async *run(r, call) {
      for (let seqno = 1; await sleep(r.delay_ms, call.signal); seqno++) yield { message: r.value, seqno };
    },
  },
  stream_unary_sleep: {
    kind: 'clientStream',
    async run(requests, call) {
      // grpc-js ends a cancelled call's request stream normally before it reports the cancellation,
      // so the handler stays busy after its input to observe the cancel on every server.
      let delayMs = 0;
      try {
        for await (const r of requests) delayMs ||= r.delay_ms;
      } catch { /* an input failure is followed by the cancellation this method waits for */ }
      return { message: (await sleep(delayMs, call.signal)) ? 'slept' : 'cancelled' };
    },
  },
  stream_stream_forever: {
    kind: 'bidi',
    async *run(requests, call) {
      void (async () => {
        try { for await (const _ of requests); } catch { /* replies go on until the cancel */ }
      })();
      for (let seqno = 1; await sleep(10, call.signal); seqno++) yield { seqno };
    },
  },
  first_only_stream: {
    kind: 'bidi',
    async *run(requests) {
      for await (const r of requests) {
        yield { message: repeat(r), seqno: 1 };
        return;
      }
    },
  },
  payload_unary: {
    kind: 'unary',
    run: async (r) => ({ payload: patternBytes(r.response_size), received_size: r.payload.length }),
  },
  payload_stream: {
    kind: 'bidi',
    async *run(requests) {
      let seqno = 0;
      for await (const r of requests) {
        yield { seqno: ++seqno, payload: patternBytes(r.response_size), received_size: r.payload.length };
      }
    },
  },
};

/** Requests counted into the record; iteration stops when the call is cancelled. */
async function* counted(requests: Requests, record: CallRecord, signal: AbortSignal): Requests {
  const iterator = requests[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<ExampleRequest>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  for (;;) {
    const next = await Promise.race([iterator.next(), aborted]);
    if (next.done) return;
    record.received++;
    yield next.value;
  }
}

async function* finishing<T>(source: AsyncIterable<T>, record: CallRecord): AsyncIterable<T> {
  try {
    yield* source;
  } finally {
    record.finished = true;
  }
}

/** The example methods, each recording its calls into recorder. */
export function createExampleService(recorder: Recorder): ExampleImpl {
  const impl: Record<string, ExampleMethod> = {};
  for (const [name, method] of Object.entries(methods)) {
    const begin = (call: ExampleCall, request?: ExampleRequest): CallRecord =>
      recorder.begin(name, call, request?.value ?? '', request);
    switch (method.kind) {
      case 'unary':
        impl[name] = { kind: 'unary', run: (r, call) => recorder.settle(begin(call, r), method.run(r, call)) };
        break;
      case 'serverStream':
        impl[name] = { kind: 'serverStream', run: (r, call) => finishing(method.run(r, call), begin(call, r)) };
        break;
      case 'clientStream':
        impl[name] = {
          kind: 'clientStream',
          run: (requests, call) => {
            const record = begin(call);
            return recorder.settle(record, method.run(counted(requests, record, call.signal), call));
          },
        };
        break;
      case 'bidi':
        impl[name] = {
          kind: 'bidi',
          run: (requests, call) => {
            const record = begin(call);
            return finishing(method.run(counted(requests, record, call.signal), call), record);
          },
        };
        break;
    }
  }
  return impl;
}
