// Assertions shared by the interop cases of both clients, with messages that name what the case expected:
// the tests match these texts when a case is a known grpc-js limitation.
import assert from 'node:assert/strict';
import { statusName } from '../../lib/protocol/status.js';
import { isZeros } from './interop-messages.js';
import type { Payload } from './interop-messages.js';

/** A case's failure to produce some status: what it got instead. */
export class UnexpectedOutcome extends Error {
  override readonly name = 'UnexpectedOutcome';
}

/** The { code, message } a failed call carried, however the client shaped its error. */
export interface CallFailure {
  readonly code: number;
  readonly message: string;
}

/** Resolves with the failure of `call`, which must fail with `code`; `what` names the step. */
export async function expectStatus(call: Promise<unknown>, code: number, what: string, read: (err: unknown) => CallFailure | undefined): Promise<CallFailure> {
  let failure: CallFailure | undefined;
  try {
    await call;
  } catch (err) {
    failure = read(err);
    if (failure === undefined) throw err;
  }
  if (failure === undefined) throw new UnexpectedOutcome(`${what}: expected ${statusName(code)}, got OK`);
  if (failure.code !== code) {
    throw new UnexpectedOutcome(`${what}: expected ${statusName(code)}, got ${statusName(failure.code)} '${failure.message}'`);
  }
  return failure;
}

/** The payload is `size` zero bytes. */
export function assertZeroPayload(payload: Payload | null | undefined, size: number, what: string): void {
  assert.ok(payload != null, `${what}: no payload`);
  assert.ok(isZeros(payload.body, size), `${what}: expected ${size} zero bytes, got ${payload.body.length} bytes`);
}

/** The response messages' compressed flags, as seen on the wire, are `expected`. */
export function assertResponseFlags(actual: readonly boolean[], expected: readonly boolean[], what: string): void {
  if (actual.length !== expected.length || actual.some((flag, i) => flag !== expected[i])) {
    throw new UnexpectedOutcome(`${what}: expected response compressed flags [${expected.join(',')}], got [${actual.join(',')}]`);
  }
}

/** Sizes of response payload bodies, in order, are `expected`. */
export function assertSizes(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.deepEqual(actual, [...expected], `${what}: response payload sizes`);
}

/** Runs `fn`, failing with a message naming `what` when it takes longer than `ms`. */
export async function within<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new UnexpectedOutcome(`${what}: no outcome within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
