import 'reflect-metadata';
// Method aliases as @grpc/proto-loader names them (lodash camelCase), and the metadata forms a method accepts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Metadata } from '../../../lib/protocol/metadata.js';
import { lowerCamelCase, toMetadataInit } from '../../../lib/nest/client-service.js';

const BOUND = { timeout: 2000 };

describe('lowerCamelCase', BOUND, () => {
  const cases: Array<[string, string]> = [
    ['SayHello', 'sayHello'],
    ['sayHello', 'sayHello'],
    ['unary_unary', 'unaryUnary'],
    ['GetHTTPItem', 'getHttpItem'],
    ['HTTP2Call', 'http2Call'],
    ['v2_getX', 'v2GetX'],
    ['ABc', 'aBc'],
    ['a1b', 'a1B'],
    ['Foo_Bar_baz', 'fooBarBaz'],
    ['LIST', 'list'],
    ['__x__', 'x'],
  ];
  for (const [name, expected] of cases) {
    it(`${name} -> ${expected}`, () => assert.equal(lowerCamelCase(name), expected));
  }
});

describe('toMetadataInit', BOUND, () => {
  it('reads a grpc-js Metadata as its pairs, every value in order', () => {
    const theirs = new grpc.Metadata();
    theirs.add('x-a', '1');
    theirs.add('x-a', '2');
    theirs.set('x-b-bin', Buffer.from([7]));
    const ours = new Metadata(toMetadataInit(theirs));
    assert.deepEqual(ours.get('x-a'), ['1', '2']);
    assert.deepEqual(ours.get('x-b-bin'), [Buffer.from([7])]);
  });

  it('passes our Metadata and plain objects through as they are', () => {
    const ours = new Metadata({ 'x-a': '1' });
    assert.equal(toMetadataInit(ours), ours);
    const plain = { 'x-a': '1' };
    assert.equal(toMetadataInit(plain), plain);
  });
});
