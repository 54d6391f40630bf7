import 'reflect-metadata';
// Method aliases as @grpc/proto-loader names them (lodash camelCase).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lowerCamelCase } from '../../lib/schema/method-names.js';

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
