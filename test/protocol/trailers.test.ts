// Tests for lib/protocol/trailers.ts: grpc-message percent-encoding and status <-> trailer objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Metadata } from '../../lib/protocol/metadata.js';
import { Status } from '../../lib/protocol/status.js';
import {
  decodeGrpcMessage,
  encodeGrpcMessage,
  statusFromTrailers,
  statusToTrailers,
} from '../../lib/protocol/trailers.js';

describe('encodeGrpcMessage / decodeGrpcMessage', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['plain text, with punctuation!', 'plain text, with punctuation!'],
    ['100%', '100%25'],
    ['line\nbreak\ttab', 'line%0Abreak%09tab'],
    ['café', 'caf%C3%A9'],
    ['日本', '%E6%97%A5%E6%9C%AC'],
    ['😀', '%F0%9F%98%80'],
    ['\x7f', '%7F'],
  ];
  for (const [text, wire] of cases) {
    it(`${JSON.stringify(text)} <-> ${JSON.stringify(wire)}`, () => {
      assert.equal(encodeGrpcMessage(text), wire);
      assert.equal(decodeGrpcMessage(wire), text);
    });
  }

  const lenient: [string, string][] = [
    ['50% off', '50% off'],
    ['%', '%'],
    ['%4', '%4'],
    ['%zz%41', '%zzA'],
    ['%c3%a9', 'é'],
    ['%FF', '\ufffd'],
    ['caf\xc3\xa9', 'café'],
  ];
  for (const [wire, text] of lenient) {
    it(`decodes ${JSON.stringify(wire)} leniently to ${JSON.stringify(text)}`, () => {
      assert.equal(decodeGrpcMessage(wire), text);
    });
  }

  it('round-trips any well-formed string, and interoperates with grpc-js (encodeURI / decodeURI)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const wire = encodeGrpcMessage(text);
        assert.match(wire, /^[\x20-\x7e]*$/);
        assert.equal(decodeGrpcMessage(wire), text);
        assert.equal(decodeURI(wire), text, 'what a grpc-js client reads');
        assert.equal(decodeGrpcMessage(encodeURI(text)), text, 'what a grpc-js server sends');
      }),
      { numRuns: 500 },
    );
  });
});

describe('statusToTrailers', () => {
  it('writes status, encoded message, details, then metadata', () => {
    const into: Record<string, string | string[]> = {};
    statusToTrailers(
      { code: Status.NOT_FOUND, message: 'no 100%', metadata: new Metadata({ 'x-a': ['1', '2'] }), details: Buffer.from([1, 2]) },
      into,
    );
    assert.deepEqual(Object.entries(into), [
      ['grpc-status', '5'],
      ['grpc-message', 'no 100%25'],
      ['grpc-status-details-bin', 'AQI='],
      ['x-a', ['1', '2']],
    ]);
  });

  it('omits an empty message and absent details', () => {
    const into: Record<string, string | string[]> = {};
    statusToTrailers({ code: Status.OK, message: '', metadata: new Metadata() }, into);
    assert.deepEqual(into, { 'grpc-status': '0' });
  });

  it('lets details win over a grpc-status-details-bin copy in the metadata, without changing the metadata', () => {
    const metadata = new Metadata({ 'grpc-status-details-bin': Buffer.from('old') });
    const into: Record<string, string | string[]> = {};
    statusToTrailers({ code: Status.INTERNAL, message: 'x', metadata, details: Buffer.from('new') }, into);
    assert.equal(into['grpc-status-details-bin'], Buffer.from('new').toString('base64'));
    assert.equal(metadata.get('grpc-status-details-bin').length, 1);
  });

  it('throws TypeError for reserved metadata keys', () => {
    assert.throws(
      () => statusToTrailers({ code: Status.OK, message: '', metadata: new Metadata({ 'grpc-status': '1' }) }, {}),
      TypeError,
    );
  });
});

describe('statusFromTrailers', () => {
  it('returns undefined without grpc-status', () => {
    assert.equal(statusFromTrailers({ ':status': '200', 'x-a': '1' }), undefined);
  });

  it('reads code, decoded message, details and the remaining metadata', () => {
    const status = statusFromTrailers({
      'grpc-status': '3',
      'grpc-message': 'bad%20caf%C3%A9',
      'grpc-status-details-bin': 'AQI',
      'x-a': '1',
      'x-b-bin': 'Ag==',
    });
    assert.ok(status !== undefined);
    assert.equal(status.code, Status.INVALID_ARGUMENT);
    assert.equal(status.message, 'bad café');
    assert.deepEqual([...(status.details ?? [])], [1, 2]);
    assert.deepEqual(status.metadata.toJSON(), { 'x-a': ['1'], 'x-b-bin': ['Ag=='] });
  });

  const codes: [string | string[], Status][] = [
    ['0', Status.OK],
    ['16', Status.UNAUTHENTICATED],
    [' 14 ', Status.UNAVAILABLE],
    [['5', '6'], Status.NOT_FOUND],
    ['17', Status.UNKNOWN],
    ['abc', Status.UNKNOWN],
    ['', Status.UNKNOWN],
    ['-1', Status.UNKNOWN],
    ['1.5', Status.UNKNOWN],
  ];
  for (const [raw, code] of codes) {
    it(`grpc-status ${JSON.stringify(raw)} -> ${Status[code]}`, () => {
      const status = statusFromTrailers({ 'grpc-status': raw });
      assert.equal(status?.code, code);
      assert.equal(status.message, '');
      assert.equal(status.details, undefined);
    });
  }

  it('round-trips through statusToTrailers', () => {
    const original = { code: Status.ABORTED, message: 'try again ✓', metadata: new Metadata({ 'x-r': 'y' }), details: Buffer.from('zz') };
    const trailers: Record<string, string | string[]> = {};
    statusToTrailers(original, trailers);
    const back = statusFromTrailers(trailers);
    assert.ok(back !== undefined);
    assert.equal(back.code, original.code);
    assert.equal(back.message, original.message);
    assert.ok(back.details?.equals(original.details));
    assert.deepEqual(back.metadata.toJSON(), original.metadata.toJSON());
  });
});
