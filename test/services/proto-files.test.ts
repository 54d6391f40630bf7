// describeProtoFiles: a loaded Root split back into one FileDescriptorProto per .proto file, checked on what a
// reflection client reads from it (names, packages, imports, field names as written, extensions, json_name).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import descriptorExt from 'protobufjs/ext/descriptor.js';
import type { IFileDescriptorProto } from 'protobufjs/ext/descriptor.js';
import { loadRoot } from '../../lib/schema/load-protos.js';
import { describeProtoFiles } from '../../lib/services/reflection/proto-files.js';
import { PROTO_DIR } from './reflection-fixtures.js';

function decoded(files: ReadonlyMap<string, { encoded: Uint8Array }>, name: string): IFileDescriptorProto {
  const file = files.get(name);
  assert.ok(file !== undefined, `${name} not in ${[...files.keys()].join(', ')}`);
  return descriptorExt.FileDescriptorProto.toObject(descriptorExt.FileDescriptorProto.decode(file.encoded)) as IFileDescriptorProto;
}

describe('describeProtoFiles', () => {
  it('keeps field names as written when the loader renames them (keepCase false), and the proto2 syntax unset', () => {
    const set = describeProtoFiles(loadRoot('shop/catalog.proto', { includeDirs: [PROTO_DIR], keepCase: false }));
    const catalog = decoded(set.files, 'shop/catalog.proto');
    const item = catalog.messageType!.find((type) => type.name === 'Item')!;
    assert.deepEqual(item.field!.slice(0, 4).map((field) => field.name), ['item_id', 'kind', 'price', 'label_values']);
    assert.equal(item.field![3]!.typeName, '.shop.catalog.Item.LabelValuesEntry');
    assert.equal(decoded(set.files, 'shop/common/money.proto').syntax, undefined);
  });

  it('a file in no package: symbols at top level, extensions declared in a message kept apart, json_name only when set', () => {
    const set = describeProtoFiles(loadRoot('plain/edge.proto', { includeDirs: [PROTO_DIR] }));
    const edge = decoded(set.files, 'plain/edge.proto');
    assert.equal(edge.package, undefined);
    assert.deepEqual(edge.dependency, ['plain/base.proto']);
    const outer = edge.messageType![0]!;
    assert.deepEqual(outer.field!.map((field) => [field.name, field.jsonName]), [
      ['snake_name', undefined], ['renamed', 'customName'], ['packed_values', undefined],
    ]);
    assert.deepEqual(outer.extension!.map((field) => [field.name, field.number, field.extendee, field.typeName]), [
      ['level', 10, '.Base', '.Level'],
    ]);
    assert.deepEqual(decoded(set.files, 'plain/base.proto').messageType![0]!.field!.map((field) => field.name), ['id']);
    for (const symbol of ['Outer', 'Outer.snake_name', 'Outer.level', 'Level', 'HIGH', 'Base']) {
      assert.equal(set.symbols.get(symbol), symbol === 'Base' ? 'plain/base.proto' : 'plain/edge.proto', symbol);
    }
    assert.deepEqual([...set.extensions.get('Base') ?? []], [[10, 'plain/edge.proto']]);
  });

  it('a well-known type is named by the file protobuf defines it in, though protobufjs bundles it with others', () => {
    const equivalenceProtos = join(PROTO_DIR, '../../equivalence/protos');
    const set = describeProtoFiles(loadRoot('google/rpc/status.proto', { includeDirs: [equivalenceProtos] }));
    assert.deepEqual(decoded(set.files, 'google/rpc/status.proto').dependency, ['google/protobuf/any.proto']);
    assert.deepEqual(decoded(set.files, 'google/protobuf/any.proto').messageType!.map((type) => type.name), ['Any']);
  });

  it('without include dirs, files are named relative to the directory they share', () => {
    const set = describeProtoFiles(loadRoot([join(PROTO_DIR, 'plain/base.proto'), join(PROTO_DIR, 'shop/common/money.proto')]));
    assert.deepEqual([...set.files.keys()].sort(), ['plain/base.proto', 'shop/common/money.proto']);
  });
});
