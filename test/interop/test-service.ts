// grpc.testing.TestService on our engine's CallContext: the server features of doc/interop-test-descriptions.md
// (echo status, echo metadata, CompressedRequest/CompressedResponse, interval_us). The Nest controller calls these.
import { setTimeout as sleep } from 'node:timers/promises';
import { concatMap, from, map, reduce, takeWhile, tap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { CallContext } from '../../lib/server/call-context.js';
import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY, zeroPayload } from './interop-messages.js';
import type {
  BoolValue, EchoStatus, ResponseParameters, SimpleRequest, SimpleResponse, StreamingInputCallRequest,
  StreamingInputCallResponse, StreamingOutputCallRequest, StreamingOutputCallResponse,
} from './interop-messages.js';

/** The encoding used when a request asks for a compressed response. */
const RESPONSE_ENCODING = 'gzip';

export function emptyCall(_request: unknown, ctx: CallContext): Record<string, never> {
  echoMetadata(ctx);
  return {};
}

export function unaryCall(request: SimpleRequest, ctx: CallContext): SimpleResponse | undefined {
  checkRequest(request.expect_compressed, request.response_type, ctx);
  // Before echoMetadata: the response headers fix the call's grpc-encoding.
  if (request.response_compressed != null) ctx.setResponseCompression(request.response_compressed.value ? RESPONSE_ENCODING : 'identity');
  echoMetadata(ctx);
  if (echoStatus(request.response_status, ctx)) return undefined;
  return { payload: zeroPayload(request.response_size ?? 0) };
}

/** A payload that differs per call (the current time in nanoseconds), marked cacheable as grpc-core's server does. */
export function cacheableUnaryCall(_request: SimpleRequest, ctx: CallContext): SimpleResponse {
  ctx.sendMetadata({ 'cache-control': 'max-age=60, public' });
  return { payload: { type: 'COMPRESSABLE', body: Buffer.from(process.hrtime.bigint().toString()) } };
}

export async function* streamingOutputCall(request: StreamingOutputCallRequest, ctx: CallContext): AsyncGenerator<StreamingOutputCallResponse> {
  checkRequest(null, request.response_type, ctx);
  const parameters = request.response_parameters ?? [];
  // One compressed message needs a compressing call: pick it now, then turn compression off per message.
  if (parameters.some((p) => p.compressed?.value === true)) ctx.setResponseCompression(RESPONSE_ENCODING);
  echoMetadata(ctx);
  if (echoStatus(request.response_status, ctx)) return;
  yield* responsesFor(parameters, ctx);
}

export function streamingInputCall(requests: Observable<StreamingInputCallRequest>, ctx: CallContext): Observable<StreamingInputCallResponse> {
  echoMetadata(ctx);
  return requests.pipe(
    // Synchronous: requestCompressed describes the message being emitted now.
    map((request) => {
      checkRequest(request.expect_compressed, undefined, ctx);
      return request.payload?.body.length ?? 0;
    }),
    reduce((total, size) => total + size, 0),
    map((total) => ({ aggregated_payload_size: total })));
}

export function fullDuplexCall(requests: Observable<StreamingOutputCallRequest>, ctx: CallContext): Observable<StreamingOutputCallResponse> {
  echoMetadata(ctx);
  return requests.pipe(
    // A request carrying a status ends the call with it; later requests are not processed.
    takeWhile((request) => !echoStatus(request.response_status, ctx)),
    tap((request) => checkRequest(null, request.response_type, ctx)),
    concatMap((request) => from(responsesFor(request.response_parameters ?? [], ctx))));
}

/** Buffers every request until the client half-closes, then answers them in order. */
export function halfDuplexCall(requests: Observable<StreamingOutputCallRequest>, ctx: CallContext): Observable<StreamingOutputCallResponse> {
  echoMetadata(ctx);
  return requests.pipe(
    toArray(),
    concatMap((all) => from(all)),
    takeWhile((request) => !echoStatus(request.response_status, ctx)),
    concatMap((request) => from(responsesFor(request.response_parameters ?? [], ctx))));
}

/** One response per parameter, each after its interval_us (relative to the previous one) and compressed as asked. */
async function* responsesFor(parameters: readonly ResponseParameters[], ctx: CallContext): AsyncGenerator<StreamingOutputCallResponse> {
  for (const parameter of parameters) {
    const delayMs = (parameter.interval_us ?? 0) / 1000;
    if (delayMs > 0) {
      try {
        await sleep(delayMs, undefined, { signal: ctx.signal });
      } catch {
        return; // cancelled or past the deadline: the engine has ended the call already
      }
    }
    if (parameter.compressed != null) ctx.setResponseCompression(parameter.compressed.value ? RESPONSE_ENCODING : 'identity');
    yield { payload: zeroPayload(parameter.size) };
  }
}

/** CompressedRequest (expect_compressed must match the message's flag) and the one supported PayloadType. */
function checkRequest(expectCompressed: BoolValue | null | undefined, responseType: string | undefined, ctx: CallContext): void {
  if (expectCompressed != null && expectCompressed.value !== ctx.requestCompressed) {
    throw new GrpcError(Status.INVALID_ARGUMENT,
      expectCompressed.value ? 'Expected a compressed request message' : 'Expected an uncompressed request message');
  }
  if (responseType !== undefined && responseType !== 'COMPRESSABLE') {
    throw new GrpcError(Status.INVALID_ARGUMENT, `Unsupported response_type ${String(responseType)}`);
  }
}

/** Echo Metadata: x-grpc-test-echo-initial back in the headers, x-grpc-test-echo-trailing-bin in the trailers. */
function echoMetadata(ctx: CallContext): void {
  const initial = ctx.metadata.get(ECHO_INITIAL_KEY);
  if (initial.length > 0) ctx.sendMetadata([[ECHO_INITIAL_KEY, initial[0]!]]);
  const trailing = ctx.metadata.get(ECHO_TRAILING_KEY);
  if (trailing.length > 0) ctx.setTrailingMetadata([[ECHO_TRAILING_KEY, trailing[0]!]]);
}

/** Echo Status: a non-OK response_status becomes the call's status; true when it did. */
function echoStatus(status: EchoStatus | null | undefined, ctx: CallContext): boolean {
  if (status == null || status.code === Status.OK) return false;
  ctx.setCode(status.code as Status);
  ctx.setMessage(status.message);
  return true;
}
