// The streaming, cancel and deadline interop cases on our standalone client (doc/interop-test-descriptions.md).
import assert from 'node:assert/strict';
import { concat, lastValueFrom, NEVER, of, Subject, toArray } from 'rxjs';
import type { Subscription } from 'rxjs';
import { sendUncompressed } from '../../lib/client/request-writer.js';
import { Status } from '../../lib/protocol/status.js';
import type { StatusInfo } from '../../lib/protocol/trailers.js';
import { assertResponseFlags, assertSizes, assertZeroPayload, expectStatus, UnexpectedOutcome, within } from './case-checks.js';
import { bodyLength, STREAM_REQUEST_SIZES, STREAM_RESPONSE_SIZES, zeroPayload } from './interop-messages.js';
import type { StreamingOutputCallRequest, StreamingOutputCallResponse } from './interop-messages.js';
import { readGrpcError } from './our-client.js';
import type { OurCaseEnv } from './our-client.js';

/** How long a case waits for an outcome the server or the client owes it. */
const OUTCOME_MS = 5000;

const duplexRequest = (i: number): StreamingOutputCallRequest => ({
  response_type: 'COMPRESSABLE',
  response_parameters: [{ size: STREAM_RESPONSE_SIZES[i]! }],
  payload: zeroPayload(STREAM_REQUEST_SIZES[i]!),
});

function checkResponses(responses: readonly StreamingOutputCallResponse[], sizes: readonly number[], what: string): void {
  assertSizes(responses.map((r) => bodyLength(r.payload)), sizes, what);
  responses.forEach((r, i) => assertZeroPayload(r.payload, sizes[i]!, what));
}

export async function clientStreaming({ test }: OurCaseEnv): Promise<void> {
  const response = await test.StreamingInputCall.promise(STREAM_REQUEST_SIZES.map((size) => ({ payload: zeroPayload(size) })));
  assert.equal(response.aggregated_payload_size, 74922, 'client_streaming: aggregated_payload_size');
}

export async function clientCompressedStreaming({ test }: OurCaseEnv): Promise<void> {
  const probe = [sendUncompressed({ expect_compressed: { value: true }, payload: zeroPayload(27182) })];
  await expectStatus(test.StreamingInputCall.promise(probe, { compression: 'gzip' }), Status.INVALID_ARGUMENT,
    'client_compressed_streaming probe', readGrpcError);
  const requests = [
    { expect_compressed: { value: true }, payload: zeroPayload(27182) },
    sendUncompressed({ expect_compressed: { value: false }, payload: zeroPayload(45904) }),
  ];
  const response = await test.StreamingInputCall.promise(requests, { compression: 'gzip' });
  assert.equal(response.aggregated_payload_size, 73086, 'client_compressed_streaming: aggregated_payload_size');
}

export async function serverStreaming({ test }: OurCaseEnv): Promise<void> {
  const request = { response_type: 'COMPRESSABLE', response_parameters: STREAM_RESPONSE_SIZES.map((size) => ({ size })) };
  checkResponses(await lastValueFrom(test.StreamingOutputCall(request).pipe(toArray())), STREAM_RESPONSE_SIZES, 'server_streaming');
}

export async function serverCompressedStreaming({ test, takeResponseFlags }: OurCaseEnv): Promise<void> {
  const request = {
    response_type: 'COMPRESSABLE',
    response_parameters: [{ size: 31415, compressed: { value: true } }, { size: 92653, compressed: { value: false } }],
  };
  takeResponseFlags();
  const responses = await lastValueFrom(test.StreamingOutputCall(request).pipe(toArray()));
  assertResponseFlags(takeResponseFlags(), [true, false], 'server_compressed_streaming');
  checkResponses(responses, [31415, 92653], 'server_compressed_streaming');
}

/** Each request is sent only after the previous response arrived; half-close after the fourth. */
export async function pingPong({ test }: OurCaseEnv): Promise<void> {
  const requests = new Subject<StreamingOutputCallRequest>();
  const responses: StreamingOutputCallResponse[] = [];
  await within(OUTCOME_MS, 'ping_pong', () => new Promise<void>((resolve, reject) => {
    test.FullDuplexCall(requests).subscribe({
      next: (response) => {
        responses.push(response);
        if (responses.length < STREAM_REQUEST_SIZES.length) requests.next(duplexRequest(responses.length));
        else requests.complete();
      },
      error: reject,
      complete: resolve,
    });
    requests.next(duplexRequest(0));
  }));
  checkResponses(responses, STREAM_RESPONSE_SIZES, 'ping_pong');
}

export async function emptyStream({ test }: OurCaseEnv): Promise<void> {
  const responses = await lastValueFrom(test.FullDuplexCall([]).pipe(toArray()));
  assert.equal(responses.length, 0, 'empty_stream: no responses');
}

/** Unsubscribing is our client's cancel; the status it reports is the case's outcome. */
export async function cancelAfterBegin({ test }: OurCaseEnv): Promise<void> {
  let status: StatusInfo | undefined;
  const subscription = test.StreamingInputCall(NEVER, { onStatus: (s) => { status = s; } }).subscribe({ error: () => undefined });
  subscription.unsubscribe();
  assert.equal(status?.code, Status.CANCELLED, 'cancel_after_begin: status');
}

export async function cancelAfterFirstResponse({ test }: OurCaseEnv): Promise<void> {
  const requests = new Subject<StreamingOutputCallRequest>();
  let status: StatusInfo | undefined;
  await within(OUTCOME_MS, 'cancel_after_first_response', () => new Promise<void>((resolve, reject) => {
    const subscription: Subscription = test.FullDuplexCall(requests, { onStatus: (s) => { status = s; } }).subscribe({
      next: () => {
        subscription.unsubscribe();
        resolve();
      },
      error: reject,
      complete: () => reject(new UnexpectedOutcome('cancel_after_first_response: the call completed')),
    });
    requests.next({ response_type: 'COMPRESSABLE', response_parameters: [{ size: 31415 }], payload: zeroPayload(27182) });
  }));
  assert.equal(status?.code, Status.CANCELLED, 'cancel_after_first_response: status');
}

export async function timeoutOnSleepingServer({ test }: OurCaseEnv): Promise<void> {
  // The request stream stays open: the server sleeps on it until the 1 ms deadline passes.
  const requests = concat(of({ payload: zeroPayload(27182) }), NEVER);
  const call = within(OUTCOME_MS, 'timeout_on_sleeping_server', () => lastValueFrom(test.FullDuplexCall(requests, { timeout: 1 }).pipe(toArray())));
  await expectStatus(call, Status.DEADLINE_EXCEEDED, 'timeout_on_sleeping_server', readGrpcError);
}
