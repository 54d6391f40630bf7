// Service and method descriptors: paths, names as written, streaming flags, types, lookups.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadProtos } from '../../lib/schema/load-protos.js';

const protos = fileURLToPath(new URL('../../../test/schema/protos/', import.meta.url));
const includeDirs = [`${protos}main`, `${protos}lib`];
const schema = loadProtos(['shapes.proto', 'nameko.proto', 'bare.proto'], { includeDirs });

describe('method descriptors', () => {
  const cases = [
    // path, service, name, requestStream, responseStream, requestType, responseType
    ['/nameko.example/unary_unary', 'nameko.example', 'unary_unary', false, false, 'nameko.ExampleRequest', 'nameko.ExampleReply'],
    ['/nameko.example/unary_stream', 'nameko.example', 'unary_stream', false, true, 'nameko.ExampleRequest', 'nameko.ExampleReply'],
    ['/nameko.example/stream_unary', 'nameko.example', 'stream_unary', true, false, 'nameko.ExampleRequest', 'nameko.ExampleReply'],
    ['/nameko.example/stream_stream', 'nameko.example', 'stream_stream', true, true, 'nameko.ExampleRequest', 'nameko.ExampleReply'],
    ['/shapes.v1.KindsService/Echo', 'shapes.v1.KindsService', 'Echo', false, false, 'shapes.v1.Kinds', 'shapes.v1.Kinds'],
    ['/shapes.v1.KindsService/Watch', 'shapes.v1.KindsService', 'Watch', false, true, 'shapes.v1.Outer', 'shapes.v1.Kinds'],
    ['/shapes.v1.KindsService/Upload', 'shapes.v1.KindsService', 'Upload', true, false, 'shapes.v1.Kinds', 'google.protobuf.Empty'],
    ['/shapes.v1.KindsService/Chat', 'shapes.v1.KindsService', 'Chat', true, true, 'shapes.v1.Outer.Inner', 'shapes.v1.Outer.Inner'],
    ['/Bare/Ping', 'Bare', 'Ping', false, false, 'google.protobuf.Empty', 'PingReply'],
  ] as const;

  for (const [path, service, name, requestStream, responseStream, requestType, responseType] of cases) {
    it(path, () => {
      const method = schema.method(path);
      assert.ok(method, `no method at ${path}`);
      assert.deepEqual(
        { path: method.path, service: method.service, name: method.name, requestStream: method.requestStream,
          responseStream: method.responseStream, requestType: method.requestType, responseType: method.responseType },
        { path, service, name, requestStream, responseStream, requestType, responseType },
      );
      assert.equal(schema.service(service).methods.get(name), method);
    });
  }

  it('lists methods by their name as written, in declaration order', () => {
    assert.deepEqual([...schema.service('nameko.example').methods.keys()],
      ['unary_unary', 'unary_stream', 'stream_unary', 'stream_stream']);
    assert.deepEqual([...schema.service('shapes.v1.KindsService').methods.keys()], ['Echo', 'Watch', 'Upload', 'Chat']);
  });

  it('returns undefined for unknown paths, including other casings', () => {
    for (const path of ['/nameko.example/UnaryUnary', '/nameko.Example/unary_unary', 'nameko.example/unary_unary', '']) {
      assert.equal(schema.method(path), undefined, path);
    }
  });

  it('codecs work unbound and are shared between methods of the same types', () => {
    const { serializeRequest, deserializeRequest } = schema.method('/nameko.example/unary_unary')!;
    assert.deepEqual(deserializeRequest(serializeRequest({ value: 'x' })), { value: 'x', multiplier: 0, response_count: '0' });
    assert.equal(schema.method('/nameko.example/stream_stream')!.serializeRequest, serializeRequest);
  });
});

describe('Schema.service', () => {
  it('finds a service by fully qualified name, with or without a leading dot', () => {
    assert.equal(schema.service('shapes.v1.KindsService').name, 'shapes.v1.KindsService');
    assert.equal(schema.service('.shapes.v1.KindsService').name, 'shapes.v1.KindsService');
  });

  it('finds a service by unqualified name when unique', () => {
    assert.equal(schema.service('KindsService').name, 'shapes.v1.KindsService');
    assert.equal(schema.service('example').name, 'nameko.example');
  });

  it('prefers an exact fully qualified match over a short-name match', () => {
    // 'Greeter' is both the package-less service and the short name of shapes.v1.Greeter.
    assert.equal(schema.service('Greeter').name, 'Greeter');
  });

  it('refuses an ambiguous short name, listing the candidates', () => {
    const both = loadProtos(['shapes.proto', 'annotated.proto'], { includeDirs });
    assert.throws(() => both.service('Greeter'), /"Greeter".*ambiguous.*shapes\.v1\.Greeter.*annotated\.Greeter/);
  });

  it('throws an Error naming a missing service', () => {
    assert.throws(() => schema.service('helloworld.Greeter2'), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /Service "helloworld\.Greeter2" is not defined/);
      assert.match(err.message, /nameko\.example/);
      return true;
    });
  });

  it('exposes every service in the services map by fully qualified name', () => {
    for (const [name, service] of schema.services) assert.equal(service.name, name);
  });
});
