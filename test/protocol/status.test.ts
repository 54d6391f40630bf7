// Tests for lib/protocol/status.ts: code names, the type guard and the HTTP-status mapping table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Status, isStatus, statusFromHttp, statusName } from '../../lib/protocol/status.js';

describe('Status', () => {
  it('has the 17 canonical numbers', () => {
    const names = Array.from({ length: 17 }, (_, code) => statusName(code));
    assert.deepEqual(names, [
      'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
      'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
      'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
    ]);
    assert.equal(Status.UNAUTHENTICATED, 16);
  });

  it('names unknown numbers UNKNOWN', () => {
    for (const code of [-1, 17, 1.5, Number.NaN]) assert.equal(statusName(code), 'UNKNOWN');
  });
});

describe('isStatus', () => {
  const cases: [unknown, boolean][] = [
    [0, true], [16, true], [5, true], [17, false], [-1, false], [2.5, false], ['5', false], [undefined, false], [null, false],
  ];
  for (const [value, expected] of cases) {
    it(`${String(value)} -> ${expected}`, () => assert.equal(isStatus(value), expected));
  }
});

describe('statusFromHttp', () => {
  const cases: [number, Status][] = [
    [400, Status.INTERNAL],
    [401, Status.UNAUTHENTICATED],
    [403, Status.PERMISSION_DENIED],
    [404, Status.UNIMPLEMENTED],
    [429, Status.UNAVAILABLE],
    [502, Status.UNAVAILABLE],
    [503, Status.UNAVAILABLE],
    [504, Status.UNAVAILABLE],
    [200, Status.UNKNOWN],
    [500, Status.UNKNOWN],
    [302, Status.UNKNOWN],
  ];
  for (const [http, status] of cases) {
    it(`${http} -> ${Status[status]}`, () => assert.equal(statusFromHttp(http), status));
  }
});
