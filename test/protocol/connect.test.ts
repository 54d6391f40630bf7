import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  connectCodeName, connectErrorOf, encodeEndStream, httpStatusOfCode, parseConnectContentType, parseConnectGetQuery, parseConnectTimeout,
} from '../../lib/protocol/connect.js';
import { Metadata } from '../../lib/protocol/metadata.js';
import { encodeRpcStatus, packDetail } from '../../lib/protocol/status-details.js';
import { Status } from '../../lib/protocol/status.js';

describe('parseConnectContentType', () => {
  const cases: Array<[string | undefined, object | undefined]> = [
    ['application/proto', { streaming: false, codec: 'proto' }],
    ['application/json; charset=utf-8', { streaming: false, codec: 'json' }],
    ['application/connect+proto', { streaming: true, codec: 'proto' }],
    ['Application/Connect+JSON', { streaming: true, codec: 'json' }],
    ['application/grpc', undefined], ['text/plain', undefined], [undefined, undefined],
  ];
  for (const [input, expected] of cases) it(String(input), () => assert.deepEqual(parseConnectContentType(input), expected));
});

describe('codes: Connect names and HTTP statuses (the protocol\'s table)', () => {
  const cases: Array<[Status, string, number]> = [
    [Status.CANCELLED, 'canceled', 499], [Status.UNKNOWN, 'unknown', 500], [Status.INVALID_ARGUMENT, 'invalid_argument', 400],
    [Status.DEADLINE_EXCEEDED, 'deadline_exceeded', 504], [Status.NOT_FOUND, 'not_found', 404], [Status.ALREADY_EXISTS, 'already_exists', 409],
    [Status.PERMISSION_DENIED, 'permission_denied', 403], [Status.RESOURCE_EXHAUSTED, 'resource_exhausted', 429],
    [Status.FAILED_PRECONDITION, 'failed_precondition', 400], [Status.ABORTED, 'aborted', 409], [Status.OUT_OF_RANGE, 'out_of_range', 400],
    [Status.UNIMPLEMENTED, 'unimplemented', 501], [Status.INTERNAL, 'internal', 500], [Status.UNAVAILABLE, 'unavailable', 503],
    [Status.DATA_LOSS, 'data_loss', 500], [Status.UNAUTHENTICATED, 'unauthenticated', 401],
  ];
  for (const [code, name, http] of cases) {
    it(`${code} -> ${name}, ${http}`, () => assert.deepEqual([connectCodeName(code), httpStatusOfCode(code)], [name, http]));
  }
});

describe('parseConnectTimeout', () => {
  it('1 to 10 digits', () => {
    assert.equal(parseConnectTimeout('0'), 0);
    assert.equal(parseConnectTimeout('9999999999'), 9999999999);
  });
  for (const bad of ['', '12345678901', '-1', '1.5', '10s']) it(`refuses "${bad}"`, () => assert.ok(parseConnectTimeout(bad) instanceof Error));
});

describe('error JSON and the end-stream message', () => {
  const detail = packDetail('ErrorInfo', { reason: 'R' });
  const status = { code: Status.NOT_FOUND, message: 'gone', metadata: new Metadata(), details: encodeRpcStatus({ code: 5, message: 'gone', details: [detail] }) };

  it('code, message, and each detail as its type name and unpadded base64', () => {
    const json = connectErrorOf(status);
    assert.equal(json.code, 'not_found');
    assert.equal(json.message, 'gone');
    assert.equal(json.details?.[0]?.type, 'google.rpc.ErrorInfo');
    assert.deepEqual(Buffer.from(json.details![0]!.value, 'base64'), Buffer.from(detail.value));
    assert.doesNotMatch(json.details![0]!.value, /=/);
  });

  it('end-stream: flag 0x02, the error and the metadata; OK has no error', () => {
    const frame = encodeEndStream(status, { 'x-t': ['1', '2'] });
    assert.equal(frame[0], 0x02);
    assert.equal(frame.readUInt32BE(1), frame.length - 5);
    const body = JSON.parse(frame.subarray(5).toString()) as { error?: { code: string }; metadata?: object };
    assert.equal(body.error?.code, 'not_found');
    assert.deepEqual(body.metadata, { 'x-t': ['1', '2'] });
    assert.deepEqual(JSON.parse(encodeEndStream({ code: Status.OK, message: '', metadata: new Metadata() }, {}).subarray(5).toString()), {});
  });
});

describe('parseConnectGetQuery', () => {
  it('JSON, percent-encoded', () => {
    const query = parseConnectGetQuery(`connect=v1&encoding=json&message=${encodeURIComponent('{"a":1}')}`);
    assert.ok(!(query instanceof Error));
    assert.deepEqual([query.codec, query.encoding, query.message.toString()], ['json', 'identity', '{"a":1}']);
  });
  it('protobuf, base64url, compressed', () => {
    const query = parseConnectGetQuery('encoding=proto&base64=1&compression=gzip&message=-_8');
    assert.ok(!(query instanceof Error));
    assert.deepEqual([query.codec, query.encoding, [...query.message]], ['proto', 'gzip', [0xfb, 0xff]]);
  });
  it('refuses a missing encoding and bad base64', () => {
    assert.ok(parseConnectGetQuery('message=x') instanceof Error);
    assert.ok(parseConnectGetQuery('encoding=proto&base64=1&message=***') instanceof Error);
  });
});
