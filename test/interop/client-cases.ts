// The interop cases of doc/interop-test-descriptions.md on our standalone client: the unary and status
// cases here, the streaming ones in client-stream-cases.ts; CLIENT_CASES lists them all in the official order.
import assert from 'node:assert/strict';
import { sendUncompressed } from '../../lib/client/request-writer.js';
import type { CallOptions } from '../../lib/client/call-options.js';
import { Status } from '../../lib/protocol/status.js';
import type { StatusInfo } from '../../lib/protocol/trailers.js';
import type { Metadata } from '../../lib/protocol/metadata.js';
import { assertResponseFlags, assertZeroPayload, expectStatus, UnexpectedOutcome } from './case-checks.js';
import {
  cancelAfterBegin, cancelAfterFirstResponse, clientCompressedStreaming, clientStreaming, emptyStream,
  pingPong, serverCompressedStreaming, serverStreaming, timeoutOnSleepingServer,
} from './client-stream-cases.js';
import {
  ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE, ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE, LARGE_REQUEST_SIZE,
  LARGE_RESPONSE_SIZE, SPECIAL_STATUS_MESSAGE, VERY_LARGE_SIZE, zeroPayload,
} from './interop-messages.js';
import type { SimpleRequest } from './interop-messages.js';
import { readGrpcError } from './our-client.js';
import type { OurCaseEnv, TestServiceStub } from './our-client.js';

export type OurCase = (env: OurCaseEnv) => Promise<void>;

const largeRequest = (extra: Partial<SimpleRequest> = {}): SimpleRequest =>
  ({ response_type: 'COMPRESSABLE', response_size: LARGE_RESPONSE_SIZE, payload: zeroPayload(LARGE_REQUEST_SIZE), ...extra });

async function largeUnary(test: TestServiceStub, options?: CallOptions): Promise<void> {
  const response = await test.UnaryCall.promise(largeRequest(), options);
  assertZeroPayload(response.payload, LARGE_RESPONSE_SIZE, 'large_unary');
}

async function clientCompressedUnary({ test }: OurCaseEnv): Promise<void> {
  // The probe: an uncompressed message on a gzip call, which says it is compressed.
  const probe = sendUncompressed(largeRequest({ expect_compressed: { value: true } }));
  await expectStatus(test.UnaryCall.promise(probe, { compression: 'gzip' }), Status.INVALID_ARGUMENT, 'client_compressed_unary probe', readGrpcError);
  for (const compressed of [true, false]) {
    const request = largeRequest({ expect_compressed: { value: compressed } });
    const response = await test.UnaryCall.promise(request, { compression: compressed ? 'gzip' : 'identity' });
    assertZeroPayload(response.payload, LARGE_RESPONSE_SIZE, `client_compressed_unary (compressed=${compressed})`);
  }
}

async function serverCompressedUnary({ test, takeResponseFlags }: OurCaseEnv): Promise<void> {
  for (const compressed of [true, false]) {
    takeResponseFlags();
    const response = await test.UnaryCall.promise(largeRequest({ response_compressed: { value: compressed } }));
    assertResponseFlags(takeResponseFlags(), [compressed], `server_compressed_unary (response_compressed=${compressed})`);
    assertZeroPayload(response.payload, LARGE_RESPONSE_SIZE, 'server_compressed_unary');
  }
}

async function customMetadata({ test }: OurCaseEnv): Promise<void> {
  const metadata: Array<[string, string | Buffer]> = [[ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE], [ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE]];
  const seen = { initial: [] as Metadata[], trailing: [] as StatusInfo[] };
  const options: CallOptions = { metadata, onMetadata: (m) => seen.initial.push(m), onStatus: (s) => seen.trailing.push(s) };
  await test.UnaryCall.promise(largeRequest(), options);
  const streamed = test.FullDuplexCall([{ response_parameters: [{ size: LARGE_RESPONSE_SIZE }], payload: zeroPayload(LARGE_REQUEST_SIZE) }], options);
  await new Promise<void>((resolve, reject) => streamed.subscribe({ error: reject, complete: resolve }));
  assert.equal(seen.initial.length, 2, 'custom_metadata: initial metadata of both calls');
  for (const [i, call] of ['UnaryCall', 'FullDuplexCall'].entries()) {
    assert.deepEqual(seen.initial[i]?.get(ECHO_INITIAL_KEY), [ECHO_INITIAL_VALUE], `custom_metadata: ${call} initial metadata`);
    assert.equal(seen.trailing[i]?.code, Status.OK, `custom_metadata: ${call} status`);
    assert.deepEqual(seen.trailing[i]?.metadata.get(ECHO_TRAILING_KEY), [ECHO_TRAILING_VALUE], `custom_metadata: ${call} trailing metadata`);
  }
}

async function statusCodeAndMessage({ test }: OurCaseEnv): Promise<void> {
  const request = { response_status: { code: 2, message: 'test status message' } };
  const unary = await expectStatus(test.UnaryCall.promise(request), Status.UNKNOWN, 'status_code_and_message UnaryCall', readGrpcError);
  assert.equal(unary.message, 'test status message');
  const duplex = new Promise<void>((resolve, reject) => test.FullDuplexCall([request]).subscribe({ error: reject, complete: resolve }));
  const streamed = await expectStatus(duplex, Status.UNKNOWN, 'status_code_and_message FullDuplexCall', readGrpcError);
  assert.equal(streamed.message, 'test status message');
}

async function specialStatusMessage({ test }: OurCaseEnv): Promise<void> {
  const request = { response_status: { code: 2, message: SPECIAL_STATUS_MESSAGE } };
  const failure = await expectStatus(test.UnaryCall.promise(request), Status.UNKNOWN, 'special_status_message', readGrpcError);
  assert.equal(failure.message, SPECIAL_STATUS_MESSAGE);
}

/** rpc_soak on one channel, channel_soak on a new channel per iteration: large_unary, each within the latency bound. */
function soak(newChannel: boolean): OurCase {
  return async (env) => {
    const { iterations, maxFailures, perIterationMaxAcceptableLatencyMs: maxLatency, overallTimeoutSeconds } = env.soak;
    const failures: string[] = [];
    const end = Date.now() + overallTimeoutSeconds * 1000;
    for (let i = 0; i < iterations && Date.now() < end; i++) {
      const channel = newChannel ? env.openChannel() : { test: env.test, close: async () => undefined };
      const start = Date.now();
      try {
        await largeUnary(channel.test);
        const latency = Date.now() - start;
        if (latency > maxLatency) failures.push(`iteration ${i}: ${latency} ms`);
      } catch (err) {
        failures.push(`iteration ${i}: ${(err as Error).message}`);
      } finally {
        await channel.close();
      }
    }
    if (failures.length > maxFailures) throw new UnexpectedOutcome(`soak: ${failures.length} failed iterations (max ${maxFailures}): ${failures.join('; ')}`);
  };
}

/** Every case our client runs, keyed by its official name. */
export const CLIENT_CASES: Readonly<Record<string, OurCase>> = {
  empty_unary: async ({ test }) => assert.ok(await test.EmptyCall.promise({}), 'empty_unary: a response'),
  large_unary: ({ test }) => largeUnary(test),
  client_compressed_unary: clientCompressedUnary,
  server_compressed_unary: serverCompressedUnary,
  client_streaming: clientStreaming,
  client_compressed_streaming: clientCompressedStreaming,
  server_streaming: serverStreaming,
  server_compressed_streaming: serverCompressedStreaming,
  ping_pong: pingPong,
  empty_stream: emptyStream,
  custom_metadata: customMetadata,
  status_code_and_message: statusCodeAndMessage,
  special_status_message: specialStatusMessage,
  unimplemented_method: async ({ test }) => void await expectStatus(test.UnimplementedCall.promise({}), Status.UNIMPLEMENTED, 'unimplemented_method', readGrpcError),
  unimplemented_service: async ({ unimplemented }) =>
    void await expectStatus(unimplemented.UnimplementedCall.promise({}), Status.UNIMPLEMENTED, 'unimplemented_service', readGrpcError),
  cancel_after_begin: cancelAfterBegin,
  cancel_after_first_response: cancelAfterFirstResponse,
  timeout_on_sleeping_server: timeoutOnSleepingServer,
  very_large_request: async ({ test }) => {
    const response = await test.UnaryCall.promise({ response_type: 'COMPRESSABLE', response_size: 10, payload: zeroPayload(VERY_LARGE_SIZE) });
    assertZeroPayload(response.payload, 10, 'very_large_request');
  },
  rpc_soak: soak(false),
  channel_soak: soak(true),
};

/** The official names, in the order `--test_case=all` runs them. */
export const CASE_NAMES: readonly string[] = Object.keys(CLIENT_CASES);
