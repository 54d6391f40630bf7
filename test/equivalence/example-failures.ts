// The example service's failing methods: statuses with trailing metadata, plain exceptions, and the reference's
// three ways to fail with rich status details (via the context, by throwing, through a registered mapping).
import { ALL_DETAILS } from './detail-samples.js';
import type { ExampleCall, ExampleImpl, ExampleRequest, MetadataMap, ReplyInit } from './example-service.js';
import type { DetailSpec } from './rpc-status-reference.js';

/** A deliberate failure: adapters turn it into their server's error with these trailers and status details. */
export class ExampleFailure extends Error {
  constructor(readonly code: number, message: string, readonly trailer: MetadataMap, readonly details: readonly DetailSpec[] = []) {
    super(message);
    this.name = 'ExampleFailure';
  }
}

/** The service's own exception (nameko's NoMoreTokens): servers map it with outOfTokensStatus, not the handler. */
export class OutOfTokens extends Error {
  constructor(readonly used: number) {
    super(`Out of tokens after ${used} replies`);
    this.name = 'OutOfTokens';
  }
}

export interface RichStatus { readonly code: number; readonly message: string; readonly details: readonly DetailSpec[] }

/** What every server maps OutOfTokens to: RESOURCE_EXHAUSTED with a QuotaFailure and a RetryInfo, every field set. */
export function outOfTokensStatus(error: OutOfTokens): RichStatus {
  return {
    code: 8,
    message: error.message,
    details: [
      {
        type: 'QuotaFailure',
        value: {
          violations: [{
            subject: 'tokens', description: `${error.used} used`, apiService: 'example.nameko', quotaMetric: 'tokens',
            quotaId: 'TokensPerCall', quotaDimensions: {}, quotaValue: error.used,
          }],
        },
      },
      { type: 'RetryInfo', value: { retryDelay: { seconds: 60, nanos: 0 } } },
    ],
  };
}

function trailerOf(r: ExampleRequest): MetadataMap {
  const trailer: MetadataMap = {};
  for (const [key, value] of Object.entries(r.trailer)) trailer[key] = [value];
  for (const [key, value] of Object.entries(r.trailer_bin)) trailer[key] = [value];
  return trailer;
}

function failure(r: ExampleRequest, details: readonly DetailSpec[] = []): ExampleFailure {
  return new ExampleFailure(r.code, r.message, trailerOf(r), details);
}

/** Fails through the context, as grpc's Python API does: trailers, code, message, then a normal return. */
function failViaContext(r: ExampleRequest, call: ExampleCall): void {
  call.setTrailer(trailerOf(r));
  call.setStatus(r.code, r.message, ALL_DETAILS);
}

function* replies(count: number): Iterable<ReplyInit> {
  for (let seqno = 1; seqno <= count; seqno++) yield { seqno };
}

/** Methods by name as written in the .proto. */
export const failingMethods: ExampleImpl = {
  fail_unary: { kind: 'unary', run: async (r) => { throw failure(r); } },
  fail_stream: {
    kind: 'serverStream',
    async *run(r) {
      yield* replies(r.count);
      throw failure(r);
    },
  },
  throw_unary: { kind: 'unary', run: async (r) => { throw new Error(r.message); } },
  throw_stream: {
    kind: 'serverStream',
    async *run(r) {
      yield* replies(r.count);
      throw new Error(r.message);
    },
  },
  unary_error_via_context: { kind: 'unary', run: async (r, call) => (failViaContext(r, call), { message: 'not sent' }) },
  stream_error_via_context: {
    kind: 'serverStream',
    async *run(r, call) {
      yield* replies(r.count);
      failViaContext(r, call);
    },
  },
  unary_grpc_error: { kind: 'unary', run: async (r) => { throw failure(r, ALL_DETAILS); } },
  stream_grpc_error: {
    kind: 'serverStream',
    async *run(r) {
      yield* replies(r.count);
      throw failure(r, ALL_DETAILS);
    },
  },
  unary_error_from_exception: { kind: 'unary', run: async () => { throw new OutOfTokens(0); } },
  stream_error_from_exception: {
    kind: 'serverStream',
    async *run(r) {
      yield* replies(r.count);
      throw new OutOfTokens(r.count);
    },
  },
};
