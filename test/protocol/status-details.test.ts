// Tests for lib/protocol/status-details.ts: every standard detail packs to the bytes protobufjs encodes from the
// published .proto files and unpacks back; google.rpc.Status round-trips both ways against that reference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeRpcStatus, detailTypeOf, encodeRpcStatus, packDetail, unpackDetail, unpackDetails,
} from '../../lib/protocol/status-details.js';
import type { ProtoAny, StandardDetailName } from '../../lib/protocol/status-details.js';
import { ALL_DETAILS, decodedDetails, typeUrlOf } from '../equivalence/detail-samples.js';
import { referenceDecodeStatus, referenceEncodeDetail, referenceEncodeStatus } from '../equivalence/rpc-status-reference.js';

const pack = (type: string, value: Record<string, unknown>): ProtoAny => packDetail(type as StandardDetailName, value);

describe('packDetail / unpackDetail', () => {
  for (const detail of ALL_DETAILS) {
    it(`${detail.type}: the reference bytes, the googleapis type URL, and back`, () => {
      const any = pack(detail.type, detail.value);
      assert.equal(any.typeUrl, typeUrlOf(detail));
      assert.ok(Buffer.isBuffer(any.value));
      assert.deepEqual(any.value, referenceEncodeDetail(detail));
      assert.deepEqual(unpackDetail(any, detail.type as StandardDetailName), detail.value);
      assert.equal(detailTypeOf(any), detail.type);
    });
  }

  const sparse: Array<[StandardDetailName, Record<string, unknown>, unknown]> = [
    ['DebugInfo', {}, { stackEntries: [], detail: '' }],
    ['ErrorInfo', { reason: 'R' }, { reason: 'R', domain: '', metadata: {} }],
    ['RetryInfo', {}, { retryDelay: null }],
    ['RetryInfo', { retryDelay: { seconds: '5' } }, { retryDelay: { seconds: 5, nanos: 0 } }],
    ['BadRequest', { fieldViolations: [{ field: 'f' }] },
      { fieldViolations: [{ field: 'f', description: '', reason: '', localizedMessage: null }] }],
    ['QuotaFailure', { violations: [{ subject: 's' }] }, {
      violations: [{ subject: 's', description: '', apiService: '', quotaMetric: '', quotaId: '', quotaDimensions: {}, quotaValue: 0 }],
    }],
  ];
  for (const [type, given, expected] of sparse) {
    it(`${type} ${JSON.stringify(given)}: unset fields come back as defaults; optional ones stay absent`, () => {
      assert.deepEqual(unpackDetail(packDetail(type, given), type), expected);
    });
  }

  it('an empty detail encodes to no bytes, as protobufjs does', () => {
    assert.equal(packDetail('Help', {}).value.length, 0);
  });

  it('a field of the wrong type is a TypeError', () => {
    assert.throws(() => pack('RetryInfo', { retryDelay: 5 }), TypeError);
  });

  it('unpackDetail answers undefined for another type, and throws on bytes that do not decode', () => {
    const any = packDetail('Help', { links: [{ url: 'u' }] });
    assert.equal(unpackDetail(any, 'DebugInfo'), undefined);
    assert.throws(() => unpackDetail({ typeUrl: typeUrlOf({ type: 'Help', value: {} }), value: Buffer.from([0x0a, 0x05, 1]) }, 'Help'));
  });

  const typeUrls: Array<[string, StandardDetailName | undefined]> = [
    ['type.googleapis.com/google.rpc.ErrorInfo', 'ErrorInfo'],
    ['example.com/types/google.rpc.Help', 'Help'],
    ['google.rpc.DebugInfo', 'DebugInfo'],
    ['type.googleapis.com/google.rpc.Status', undefined],
    ['type.googleapis.com/google.rpc.Unheard', undefined],
    ['type.googleapis.com/acme.ErrorInfo', undefined],
    ['', undefined],
  ];
  for (const [typeUrl, expected] of typeUrls) {
    it(`detailTypeOf(${JSON.stringify(typeUrl)}) is ${String(expected)}`, () => {
      assert.equal(detailTypeOf({ typeUrl, value: Buffer.alloc(0) }), expected);
    });
  }

  it('unpackDetails keeps the standard ones in order, leaving out foreign and malformed details', () => {
    const foreign: ProtoAny = { typeUrl: 'type.googleapis.com/acme.Thing', value: Buffer.from([1, 2]) };
    const broken: ProtoAny = { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from([0x0a, 0x09]) };
    const [first, second] = ALL_DETAILS;
    const unpacked = unpackDetails([pack(first!.type, first!.value), foreign, broken, pack(second!.type, second!.value)]);
    assert.deepEqual(unpacked, [{ type: first!.type, value: first!.value }, { type: second!.type, value: second!.value }]);
  });
});

describe('encodeRpcStatus / decodeRpcStatus', () => {
  const packed = ALL_DETAILS.map((detail) => pack(detail.type, detail.value));

  it('encodes the bytes protobufjs encodes from the published status.proto', () => {
    assert.deepEqual(encodeRpcStatus({ code: 8, message: 'out of tokens ✓', details: packed }),
      referenceEncodeStatus(8, 'out of tokens ✓', ALL_DETAILS));
  });

  it('the reference decodes ours', () => {
    const decoded = referenceDecodeStatus(encodeRpcStatus({ code: 9, message: 'm', details: packed }));
    assert.deepEqual(decoded, { code: 9, message: 'm', details: decodedDetails(ALL_DETAILS) });
  });

  it("we decode the reference's", () => {
    const decoded = decodeRpcStatus(referenceEncodeStatus(3, 'bad', ALL_DETAILS));
    assert.deepEqual(decoded, { code: 3, message: 'bad', details: packed });
    assert.deepEqual(unpackDetails(decoded.details), ALL_DETAILS);
  });

  it('no details: an empty list both ways', () => {
    assert.deepEqual(decodeRpcStatus(encodeRpcStatus({ code: 5, message: '' })), { code: 5, message: '', details: [] });
    assert.deepEqual(decodeRpcStatus(new Uint8Array(0)), { code: 0, message: '', details: [] });
  });

  it('decodes from a Uint8Array view into a larger buffer, giving Buffers', () => {
    const bytes = encodeRpcStatus({ code: 2, message: 'x', details: packed.slice(0, 1) });
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes, 2);
    const decoded = decodeRpcStatus(padded.subarray(2, 2 + bytes.length));
    assert.ok(Buffer.isBuffer(decoded.details[0]?.value));
    assert.deepEqual(decoded.details, packed.slice(0, 1));
  });

  it('throws on bytes that are not a google.rpc.Status', () => {
    assert.throws(() => decodeRpcStatus(Buffer.from([0x1a, 0x10, 0x00])));
  });
});
