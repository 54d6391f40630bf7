// createPackageDefinition against @grpc/proto-loader's loadSync for the same protos: the same entries, method
// definitions, DescriptorProto objects and serialized file descriptors (what @grpc/reflection reads).
import { loadSync } from '@grpc/proto-loader';
import type { PackageDefinition as TheirDefinition } from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeRoot } from '../../lib/schema/descriptors.js';
import type { GrpcJsServiceDefinition, PackageDefinition } from '../../lib/schema/grpc-js-definition.js';
import { loadRoot } from '../../lib/schema/load-protos.js';
import type { LoadOptions } from '../../lib/schema/load-protos.js';
import { createPackageDefinition } from '../../lib/schema/package-definition.js';

const protos = fileURLToPath(new URL('../../../test/schema/protos/', import.meta.url));
const includeDirs = [`${protos}main`, `${protos}lib`];
const FILES = ['shapes.proto', 'annotated.proto', 'bare.proto'];
// proto-loader's own protobufjs decodes their bytes; ours decodes our bytes: each as its peer would read it.
const theirDescriptors = createRequire(createRequire(import.meta.url).resolve('@grpc/proto-loader'))('protobufjs/ext/descriptor') as {
  FileDescriptorProto: { decode(bytes: Uint8Array): object; toObject(message: object, options: object): object };
};

function ours(file: string): PackageDefinition {
  const options: LoadOptions = { includeDirs, keepCase: true };
  const root = loadRoot(file, options);
  return createPackageDefinition(root, describeRoot(root, options), options);
}

// The bundled google.protobuf types differ between protobufjs 7 and 8 (newer descriptor.proto, Struct's field
// names as written): only the test's own protos are compared.
// Where protobufjs 8 (ours) describes a proto as protoc does and proto-loader's protobufjs 7 does not: jsonName
// filled in, proto3 `optional` flagged, extension range ends exclusive. Left out of the comparison.
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return value;
  const entries = Object.entries(value).filter(([key]) => key !== 'jsonName' && key !== 'proto3Optional' && key !== 'end');
  return Object.fromEntries(entries.map(([key, inner]) => [key, comparable(inner)]));
}

function files(definition: PackageDefinition | TheirDefinition): object[] {
  const first = Object.values(definition).find((entry) => 'fileDescriptorProtos' in entry) as { fileDescriptorProtos: Buffer[] };
  return first.fileDescriptorProtos
    .map((bytes) => theirDescriptors.FileDescriptorProto.toObject(theirDescriptors.FileDescriptorProto.decode(bytes), { defaults: false }))
    .filter((file) => (file as { package?: unknown }).package !== 'google.protobuf');
}

function methodsOf(definition: PackageDefinition | TheirDefinition, name: string): unknown {
  const service = definition[name] as unknown as GrpcJsServiceDefinition;
  return Object.entries(service).map(([key, method]) => ({
    key, path: method.path, requestStream: method.requestStream, responseStream: method.responseStream,
    originalName: method.originalName, requestType: method.requestType?.type, responseType: method.responseType?.type,
  }));
}

describe('createPackageDefinition', () => {
  for (const file of FILES) {
    it(`gives what proto-loader gives for ${file}`, () => {
      const theirs = loadSync(file, { includeDirs, keepCase: true });
      const mine = ours(file);
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(theirs).sort());
      for (const [name, entry] of Object.entries(theirs)) {
        if (name.startsWith('google.protobuf.')) continue;
        if ('format' in entry) {
          const own = mine[name] as { format: string; type: object };
          assert.equal(own.format, entry.format, name);
          assert.deepEqual(comparable(own.type), comparable(entry.type), name);
        } else {
          assert.deepEqual(comparable(methodsOf(mine, name)), comparable(methodsOf(theirs, name)), name);
        }
      }
      assert.deepEqual(comparable(files(mine)), comparable(files(theirs)));
    });
  }

  it('serves messages with the schema codecs: what one side serializes the other reads', () => {
    const theirs = loadSync('shapes.proto', { includeDirs, keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const mine = ours('shapes.proto');
    const echo = (definition: PackageDefinition | TheirDefinition) => (definition['shapes.v1.KindsService'] as unknown as GrpcJsServiceDefinition)['Echo']!;
    const value = { a_string: 'x', a_int64: '-5', color: 'GREEN' };
    const bytes = echo(mine).requestSerialize(value);
    assert.deepEqual(echo(mine).requestDeserialize(Buffer.from(bytes)), echo(theirs).requestDeserialize(Buffer.from(bytes)));
    assert.deepEqual(Buffer.from(bytes), echo(theirs).requestSerialize(value));
  });
});
