// Tests for lib/protocol/metadata.ts: validation, the multimap API, and header mapping both ways.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { Metadata, metadataFromHeaders, metadataToHeaders } from '../../lib/protocol/metadata.js';

describe('Metadata', () => {
  it('lowercases keys and keeps values in insertion order', () => {
    const md = new Metadata();
    md.add('X-Trace', 'a');
    md.add('x-trace', 'b');
    md.set('Other', 'c');
    assert.deepEqual(md.get('X-TRACE'), ['a', 'b']);
    assert.deepEqual(md.keys(), ['x-trace', 'other']);
    assert.deepEqual([...md.entries()], [['x-trace', 'a'], ['x-trace', 'b'], ['other', 'c']]);
    assert.equal(md.size, 3);
    assert.deepEqual(md.getMap(), { 'x-trace': 'a', other: 'c' });
    md.set('x-trace', 'z');
    assert.deepEqual(md.get('x-trace'), ['z']);
    md.remove('X-Trace');
    assert.deepEqual(md.get('x-trace'), []);
    assert.equal(md.size, 1);
  });

  it('builds from a record, a list of pairs, or another Metadata', () => {
    const bytes = Buffer.from([1, 2]);
    const fromRecord = new Metadata({ a: 'x', 'b-bin': bytes, c: ['1', '2'] });
    assert.deepEqual(fromRecord.toJSON(), { a: ['x'], 'b-bin': ['AQI='], c: ['1', '2'] });
    const fromPairs = new Metadata([['A', 'x'], ['a', 'y']]);
    assert.deepEqual(fromPairs.get('a'), ['x', 'y']);
    const copy = new Metadata(fromRecord);
    copy.add('a', 'more');
    assert.deepEqual(fromRecord.get('a'), ['x'], 'the copy does not share value lists');
    assert.equal(Metadata.from(fromRecord), fromRecord);
    assert.deepEqual(Metadata.from({ k: 'v' }).getMap(), { k: 'v' });
    assert.equal(Metadata.from().size, 0);
  });

  it('stores a Uint8Array under a -bin key as a Buffer', () => {
    const md = new Metadata({ 'x-bin': Uint8Array.from([9, 8]) as Buffer });
    const [value] = md.get('x-bin');
    assert.ok(Buffer.isBuffer(value));
    assert.deepEqual([...value], [9, 8]);
  });

  it('clone copies buffers', () => {
    const md = new Metadata({ 'x-bin': Buffer.from([1]) });
    const clone = md.clone();
    (clone.get('x-bin')[0] as Buffer)[0] = 2;
    assert.deepEqual([...(md.get('x-bin')[0] as Buffer)], [1]);
  });

  const invalid: [string, string, unknown, RegExp][] = [
    ['a space in the key', 'x y', 'v', /Metadata key "x y"/],
    ['a colon in the key', ':path', 'v', /Metadata key ":path"/],
    ['a non-ASCII key', 'clé', 'v', /Metadata key "clé"/],
    ['an empty key', '', 'v', /Metadata key ""/],
    ['a Buffer under a text key', 'x-a', Buffer.from('v'), /Metadata value for "x-a" must be a string/],
    ['a string under a -bin key', 'x-bin', 'v', /Metadata value for "x-bin" must be a Buffer/],
    ['a newline in a value', 'x-a', 'a\nb', /Metadata value for "x-a" is not legal in a header/],
    ['a non-ASCII value', 'x-a', 'é', /Metadata value for "x-a" is not legal in a header/],
    ['a DEL in a value', 'x-a', '\x7f', /not legal in a header/],
    ['a number value', 'x-a', 5, /Metadata value for "x-a" must be a string/],
  ];
  for (const [name, key, value, message] of invalid) {
    it(`throws TypeError for ${name}`, () => {
      assert.throws(() => new Metadata().add(key, value as string), (err: unknown) => err instanceof TypeError && message.test(err.message));
      assert.throws(() => new Metadata().set(key, value as string), TypeError);
      assert.throws(() => new Metadata([[key, value as string]]), TypeError);
    });
  }

  it('accepts every printable ASCII character and an empty value', () => {
    let printable = '';
    for (let c = 0x20; c <= 0x7e; c++) printable += String.fromCharCode(c);
    const md = new Metadata({ 'x-all': printable, 'x-empty': '' });
    assert.equal(md.get('x-all')[0], printable);
    assert.equal(md.get('x-empty')[0], '');
  });
});

describe('metadataToHeaders', () => {
  it('writes text as is, -bin as padded base64, several values as string[]', () => {
    const md = new Metadata([
      ['x-one', 'a'],
      ['x-many', 'b'],
      ['x-many', 'c'],
      ['x-bin', Buffer.from([0xff])],
      ['user-agent', 'me/1'],
      ['grpc-status-details-bin', Buffer.from('d')],
    ]);
    const headers: Record<string, string | string[]> = { ':status': '200' };
    metadataToHeaders(md, headers);
    assert.deepEqual(headers, {
      ':status': '200',
      'x-one': 'a',
      'x-many': ['b', 'c'],
      'x-bin': '/w==',
      'user-agent': 'me/1',
      'grpc-status-details-bin': 'ZA==',
    });
  });

  it('appends to a key already in the header object', () => {
    const headers: Record<string, string | string[]> = { 'x-a': '1' };
    metadataToHeaders(new Metadata({ 'x-a': ['2', '3'] }), headers);
    assert.deepEqual(headers, { 'x-a': ['1', '2', '3'] });
  });

  for (const key of ['grpc-status', 'grpc-timeout', 'grpc-foo', 'te', 'content-type', 'connection', 'transfer-encoding']) {
    it(`refuses the reserved key ${key} and leaves the headers untouched`, () => {
      const headers: Record<string, string | string[]> = {};
      const md = new Metadata([['x-first', 'a'], [key, 'v']]);
      assert.throws(() => metadataToHeaders(md, headers), (err: unknown) => err instanceof TypeError && err.message.includes(`"${key}"`));
      assert.deepEqual(headers, {});
    });
  }
});

describe('metadataFromHeaders', () => {
  it('skips pseudo-headers, grpc-*, te, content-type, content-length and accept-encoding', () => {
    const md = metadataFromHeaders({
      ':path': '/a/b',
      ':authority': 'h',
      'content-type': 'application/grpc',
      'content-length': '5',
      'accept-encoding': 'identity',
      te: 'trailers',
      'grpc-timeout': '1S',
      'grpc-status-details-bin': 'AA',
      'user-agent': 'grpc-node-js/1.0',
      'x-keep': 'yes',
      'x-undefined': undefined,
    });
    assert.deepEqual(md.toJSON(), { 'user-agent': ['grpc-node-js/1.0'], 'x-keep': ['yes'] });
  });

  const binCases: [string, string | string[], number[][]][] = [
    ['padded', '/w==', [[0xff]]],
    ['unpadded', '/w', [[0xff]]],
    ['url-safe', '_-8', [[0xff, 0xef]]],
    ['empty', '', [[]]],
    ['comma-joined by node:http2', 'AQ==, Ag', [[1], [2]]],
    ['repeated as an array', ['AQ', 'Ag==,Aw'], [[1], [2], [3]]],
    ['undecodable parts skipped', 'AQ==, !!, A, Ag', [[1], [2]]],
  ];
  for (const [name, raw, expected] of binCases) {
    it(`decodes -bin values: ${name}`, () => {
      const values = metadataFromHeaders({ 'x-bin': raw }).get('x-bin');
      assert.deepEqual(values.map((v) => [...(v as Buffer)]), expected);
    });
  }

  it('keeps comma-joined text values whole, as grpc-js does', () => {
    assert.deepEqual(metadataFromHeaders({ 'x-a': 'a, b' }).get('x-a'), ['a, b']);
    assert.deepEqual(metadataFromHeaders({ 'x-a': ['a', 'b'] }).get('x-a'), ['a', 'b']);
  });

  it('never throws: an illegal key or value is skipped', () => {
    const md = metadataFromHeaders({ 'bad key': 'v', 'x-latin1': 'caf\xe9', 'x-ok': 'ok' });
    assert.deepEqual(md.toJSON(), { 'x-ok': ['ok'] });
  });

  it('round-trips through metadataToHeaders', () => {
    const md = new Metadata([['x-a', '1'], ['x-a', '2'], ['x-bin', Buffer.from('hello')], ['x-bin', Buffer.alloc(0)]]);
    const headers: Record<string, string | string[]> = {};
    metadataToHeaders(md, headers);
    assert.deepEqual(metadataFromHeaders(headers).toJSON(), md.toJSON());
  });
});

describe('Metadata from a grpc-js Metadata', () => {
  it('takes every value of every key, in order, for code written for grpc-js', () => {
    const theirs = new grpc.Metadata();
    theirs.add('x-a', '1');
    theirs.add('x-a', '2');
    theirs.set('x-b-bin', Buffer.from([7]));
    const ours = Metadata.from(theirs);
    assert.deepEqual(ours.get('x-a'), ['1', '2']);
    assert.deepEqual(ours.get('x-b-bin'), [Buffer.from([7])]);
  });
});
