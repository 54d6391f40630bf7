// The interop cases on @grpc/grpc-js, after grpc-node's test/interop/interop_client.js, plus the cases it
// leaves out (compression, very_large_request, soak) written in its style with grpc-js's public API.
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { assertResponseFlags, assertSizes, assertZeroPayload, expectStatus, UnexpectedOutcome, within } from './case-checks.js';
import type { InteropCase } from './case-runner.js';
import { collectResponses, NO_COMPRESS, readServiceError, unary } from './grpc-js-client.js';
import type { GrpcJsCaseEnv, GrpcJsTestClient } from './grpc-js-client.js';
import {
  bodyLength, ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE, ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE, LARGE_REQUEST_SIZE,
  LARGE_RESPONSE_SIZE, SPECIAL_STATUS_MESSAGE, STREAM_REQUEST_SIZES, STREAM_RESPONSE_SIZES, VERY_LARGE_SIZE, zeroPayload,
} from './interop-messages.js';
import type { SimpleRequest, StreamingInputCallRequest, StreamingOutputCallResponse } from './interop-messages.js';

const OUTCOME_MS = 5000;
const largeRequest = (extra: Partial<SimpleRequest> = {}): SimpleRequest =>
  ({ response_type: 'COMPRESSABLE', response_size: LARGE_RESPONSE_SIZE, payload: zeroPayload(LARGE_REQUEST_SIZE), ...extra });

async function largeUnary(client: GrpcJsTestClient): Promise<void> {
  const response = await unary(client.unaryCall, client, largeRequest()).result;
  assert.equal(response.payload?.type, 'COMPRESSABLE');
  assertZeroPayload(response.payload, LARGE_RESPONSE_SIZE, 'large_unary');
}

/** A client stream's response, after writing `requests` (each with its write flags) and half-closing. */
function streamInput(client: GrpcJsTestClient, requests: ReadonlyArray<[StreamingInputCallRequest, number]>): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = client.streamingInputCall(new grpc.Metadata(), {}, (error, response) => (error ? reject(error) : resolve(response!.aggregated_payload_size)));
    // grpc-js reads a numeric "encoding" argument of write() as the message's write flags.
    for (const [request, flags] of requests) call.write(request, String(flags) as BufferEncoding);
    call.end();
  });
}

/** A bidi call: writes `requests`, half-closes, and resolves with what came back and the final status. */
function duplex(client: GrpcJsTestClient, requests: readonly object[], metadata = new grpc.Metadata()): Promise<{ responses: StreamingOutputCallResponse[]; initial?: grpc.Metadata; status: grpc.StatusObject }> {
  return new Promise((resolve) => {
    const call = client.fullDuplexCall(metadata);
    const responses: StreamingOutputCallResponse[] = [];
    let initial: grpc.Metadata | undefined;
    call.on('metadata', (m: grpc.Metadata) => { initial = m; });
    call.on('data', (response: StreamingOutputCallResponse) => responses.push(response));
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => resolve({ responses, initial, status }));
    for (const request of requests) call.write(request);
    call.end();
  });
}

export const GRPC_JS_CASES: Readonly<Record<string, InteropCase<GrpcJsCaseEnv>>> = {
  empty_unary: async ({ test }) => assert.ok(await unary(test.emptyCall, test, {}).result, 'empty_unary: a response'),
  large_unary: ({ test }) => largeUnary(test),
  client_compressed_unary: async ({ test, compressing }) => {
    await expectStatus(unary(test.unaryCall, test, largeRequest({ expect_compressed: { value: true } })).result,
      grpc.status.INVALID_ARGUMENT, 'client_compressed_unary probe', readServiceError);
    for (const [client, compressed] of [[compressing, true], [test, false]] as const) {
      const response = await unary(client.unaryCall, client, largeRequest({ expect_compressed: { value: compressed } })).result;
      assertZeroPayload(response.payload, LARGE_RESPONSE_SIZE, `client_compressed_unary (compressed=${compressed})`);
    }
  },
  server_compressed_unary: async ({ test, takeResponseFlags }) => {
    for (const compressed of [true, false]) {
      takeResponseFlags();
      const response = await unary(test.unaryCall, test, largeRequest({ response_compressed: { value: compressed } })).result;
      assertResponseFlags(takeResponseFlags(), [compressed], `server_compressed_unary (response_compressed=${compressed})`);
      assertZeroPayload(response.payload, LARGE_RESPONSE_SIZE, 'server_compressed_unary');
    }
  },
  client_streaming: async ({ test }) => {
    const total = await streamInput(test, STREAM_REQUEST_SIZES.map((size) => [{ payload: zeroPayload(size) }, 0]));
    assert.equal(total, 74922, 'client_streaming: aggregated_payload_size');
  },
  client_compressed_streaming: async ({ compressing }) => {
    await expectStatus(streamInput(compressing, [[{ expect_compressed: { value: true }, payload: zeroPayload(27182) }, NO_COMPRESS]]),
      grpc.status.INVALID_ARGUMENT, 'client_compressed_streaming probe', readServiceError);
    const total = await streamInput(compressing, [
      [{ expect_compressed: { value: true }, payload: zeroPayload(27182) }, 0],
      [{ expect_compressed: { value: false }, payload: zeroPayload(45904) }, NO_COMPRESS],
    ]);
    assert.equal(total, 73086, 'client_compressed_streaming: aggregated_payload_size');
  },
  server_streaming: async ({ test }) => {
    const call = test.streamingOutputCall({ response_type: 'COMPRESSABLE', response_parameters: STREAM_RESPONSE_SIZES.map((size) => ({ size })) });
    const responses = await collectResponses(call);
    assertSizes(responses.map((r) => bodyLength(r.payload)), STREAM_RESPONSE_SIZES, 'server_streaming');
  },
  server_compressed_streaming: async ({ test, takeResponseFlags }) => {
    takeResponseFlags();
    const parameters = [{ size: 31415, compressed: { value: true } }, { size: 92653, compressed: { value: false } }];
    const responses = await collectResponses(test.streamingOutputCall({ response_type: 'COMPRESSABLE', response_parameters: parameters }));
    assertResponseFlags(takeResponseFlags(), [true, false], 'server_compressed_streaming');
    assertSizes(responses.map((r) => bodyLength(r.payload)), [31415, 92653], 'server_compressed_streaming');
  },
  ping_pong: ({ test }) => within(OUTCOME_MS, 'ping_pong', () => new Promise<void>((resolve, reject) => {
    const call = test.fullDuplexCall();
    const request = (i: number): object =>
      ({ response_type: 'COMPRESSABLE', response_parameters: [{ size: STREAM_RESPONSE_SIZES[i] }], payload: zeroPayload(STREAM_REQUEST_SIZES[i]!) });
    let index = 0;
    call.on('data', (response: StreamingOutputCallResponse) => {
      if (bodyLength(response.payload) !== STREAM_RESPONSE_SIZES[index]) reject(new UnexpectedOutcome(`ping_pong: response ${index} size ${bodyLength(response.payload)}`));
      index += 1;
      if (index === STREAM_REQUEST_SIZES.length) call.end();
      else call.write(request(index));
    });
    call.on('error', reject);
    call.on('status', (status: grpc.StatusObject) => (status.code === grpc.status.OK && index === 4 ? resolve() : reject(new UnexpectedOutcome(`ping_pong: ${status.code} after ${index}`))));
    call.write(request(0));
  })),
  empty_stream: async ({ test }) => {
    const { responses, status } = await duplex(test, []);
    assert.equal(status.code, grpc.status.OK);
    assert.equal(responses.length, 0, 'empty_stream: no responses');
  },
  custom_metadata: async ({ test }) => {
    const metadata = new grpc.Metadata();
    metadata.set(ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE);
    metadata.set(ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE);
    const { call, result } = unary(test.unaryCall, test, largeRequest(), metadata);
    const initial = new Promise<grpc.Metadata>((resolve) => call.on('metadata', resolve));
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    await result;
    const streamed = await duplex(test, [{ response_parameters: [{ size: LARGE_RESPONSE_SIZE }], payload: zeroPayload(LARGE_REQUEST_SIZE) }], metadata);
    for (const [what, m, s] of [['UnaryCall', await initial, await status], ['FullDuplexCall', streamed.initial, streamed.status]] as const) {
      assert.deepEqual(m?.get(ECHO_INITIAL_KEY), [ECHO_INITIAL_VALUE], `custom_metadata: ${what} initial metadata`);
      assert.equal(s.code, grpc.status.OK, `custom_metadata: ${what} status`);
      assert.deepEqual(s.metadata.get(ECHO_TRAILING_KEY), [ECHO_TRAILING_VALUE], `custom_metadata: ${what} trailing metadata`);
    }
  },
  status_code_and_message: async ({ test }) => {
    const request = { response_status: { code: 2, message: 'test status message' } };
    const failure = await expectStatus(unary(test.unaryCall, test, request).result, 2, 'status_code_and_message UnaryCall', readServiceError);
    assert.equal(failure.message, 'test status message');
    const { status } = await duplex(test, [request]);
    assert.equal(status.code, 2, 'status_code_and_message FullDuplexCall code');
    assert.equal(status.details, 'test status message');
  },
  special_status_message: async ({ test }) => {
    const request = { response_status: { code: 2, message: SPECIAL_STATUS_MESSAGE } };
    const failure = await expectStatus(unary(test.unaryCall, test, request).result, 2, 'special_status_message', readServiceError);
    assert.equal(failure.message, SPECIAL_STATUS_MESSAGE);
  },
  unimplemented_method: async ({ test }) =>
    void await expectStatus(unary(test.unimplementedCall, test, {}).result, grpc.status.UNIMPLEMENTED, 'unimplemented_method', readServiceError),
  unimplemented_service: async ({ unimplemented }) =>
    void await expectStatus(unary(unimplemented.unimplementedCall, unimplemented, {}).result, grpc.status.UNIMPLEMENTED, 'unimplemented_service', readServiceError),
  cancel_after_begin: async ({ test }) => {
    const outcome = new Promise<void>((resolve, reject) => {
      const call = test.streamingInputCall(new grpc.Metadata(), {}, (error) => (error === null ? resolve() : reject(error)));
      call.cancel();
    });
    await expectStatus(outcome, grpc.status.CANCELLED, 'cancel_after_begin', readServiceError);
  },
  cancel_after_first_response: ({ test }) => within(OUTCOME_MS, 'cancel_after_first_response', () => new Promise<void>((resolve, reject) => {
    const call = test.fullDuplexCall();
    call.on('data', () => call.cancel());
    call.on('error', (error: grpc.ServiceError) => (error.code === grpc.status.CANCELLED ? resolve() : reject(error)));
    call.on('end', () => reject(new UnexpectedOutcome('cancel_after_first_response: the call completed')));
    call.write({ response_type: 'COMPRESSABLE', response_parameters: [{ size: 31415 }], payload: zeroPayload(27182) });
  })),
  timeout_on_sleeping_server: async ({ test }) => {
    const call = test.fullDuplexCall(new grpc.Metadata(), { deadline: Date.now() + 1 });
    call.write({ payload: zeroPayload(27182) });
    await expectStatus(collectResponses(call), grpc.status.DEADLINE_EXCEEDED, 'timeout_on_sleeping_server', readServiceError);
  },
  very_large_request: async ({ test }) => {
    const response = await unary(test.unaryCall, test, { response_type: 'COMPRESSABLE', response_size: 10, payload: zeroPayload(VERY_LARGE_SIZE) }).result;
    assertZeroPayload(response.payload, 10, 'very_large_request');
  },
  rpc_soak: (env) => soak(env, false),
  channel_soak: (env) => soak(env, true),
};

async function soak(env: GrpcJsCaseEnv, newChannel: boolean): Promise<void> {
  const { iterations, maxFailures, perIterationMaxAcceptableLatencyMs: maxLatency, overallTimeoutSeconds } = env.soak;
  const failures: string[] = [];
  const end = Date.now() + overallTimeoutSeconds * 1000;
  for (let i = 0; i < iterations && Date.now() < end; i++) {
    const client = newChannel ? env.openChannel() : env.test;
    const start = Date.now();
    try {
      await largeUnary(client);
      if (Date.now() - start > maxLatency) failures.push(`iteration ${i}: ${Date.now() - start} ms`);
    } catch (err) {
      failures.push(`iteration ${i}: ${(err as Error).message}`);
    } finally {
      if (newChannel) client.close();
    }
  }
  if (failures.length > maxFailures) throw new UnexpectedOutcome(`soak: ${failures.length} failed iterations (max ${maxFailures}): ${failures.join('; ')}`);
}
