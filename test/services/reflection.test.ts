// grpc.reflection v1 and v1alpha served by GrpcServer's `reflection` option, side by side with grpc-js +
// @grpc/reflection 1.0.4 on the same protos and the same requests: the decoded FileDescriptorProtos must describe the
// same services and messages. Where the two differ by design it is asserted and said: @grpc/reflection merges
// files per package and names them by the package, we answer file by file, as protoc names them, with imports.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import grpc from '@grpc/grpc-js';
import { MapField, Root } from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor.js';
import type { IFileDescriptorProto } from 'protobufjs/ext/descriptor.js';
import { CATALOG, reflect, startGrpcJsReflectionServer, startOurReflectionServer } from './reflection-fixtures.js';
import type { ReflectionResponse, ReflectionServer } from './reflection-fixtures.js';

const BOUND = { timeout: 30_000 };

function filesOf(response: ReflectionResponse | undefined): IFileDescriptorProto[] {
  assert.equal(response?.message_response, 'file_descriptor_response', JSON.stringify(response?.error_response));
  return response!.file_descriptor_response!.file_descriptor_proto.map((bytes) => descriptorExt.FileDescriptorProto.toObject(
    descriptorExt.FileDescriptorProto.decode(bytes),
  ) as IFileDescriptorProto);
}

/**
 * What a client builds from the files: each field's name, number, label and resolved type; each method's types.
 * @grpc/reflection also describes each extension as a field of the message it extends, named by its full name
 * ('.shop.extras.rounding'): left out here, and asserted apart.
 */
function shapes(files: IFileDescriptorProto[], types: string[]): unknown {
  const root = Root.fromDescriptor({ file: files }, { keepCase: true });
  root.resolveAll();
  const service = root.lookupService(CATALOG);
  return {
    methods: service.methodsArray.map((method) => [method.name, method.resolvedRequestType?.fullName, method.resolvedResponseType?.fullName, !!method.requestStream, !!method.responseStream]),
    types: Object.fromEntries(types.map((name) => [name, root.lookupType(name).fieldsArray.filter((field) => !field.name.startsWith('.')).map((field) => ({
      name: field.name, id: field.id, repeated: field.repeated, oneof: field.partOf?.name,
      type: field.resolvedType?.fullName ?? field.type, key: field instanceof MapField ? field.keyType : undefined,
    }))])),
  };
}

const MESSAGES = ['shop.catalog.Item', 'shop.catalog.GetItemRequest', 'shop.common.Money', 'google.protobuf.Timestamp', 'google.protobuf.Empty'];

describe('reflection: ours and @grpc/reflection on the same protos', BOUND, () => {
  let ours: ReflectionServer;
  let theirs: ReflectionServer;
  before(async () => {
    [ours, theirs] = await Promise.all([startOurReflectionServer(), startGrpcJsReflectionServer()]);
  });
  after(async () => {
    await Promise.all([ours.stop(), theirs.stop()]);
  });

  for (const version of ['v1', 'v1alpha'] as const) {
    it(`${version}: list_services names the app's service (ours also the reflection services it serves, as grpc-go)`, async () => {
      const [[mine], [reference]] = await Promise.all([ours, theirs].map((server) => reflect(server.address, [{ list_services: '*' }], version)));
      assert.deepEqual(reference?.list_services_response?.service.map((s) => s.name), [CATALOG]);
      assert.deepEqual(mine?.list_services_response?.service.map((s) => s.name), [
        CATALOG, 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection',
      ]);
    });
  }

  it('file_containing_symbol of the service: the same methods and message fields, once built', async () => {
    const [[mine], [reference]] = await Promise.all([ours, theirs].map((server) => reflect(server.address, [{ file_containing_symbol: CATALOG }])));
    assert.deepEqual(shapes(filesOf(mine), MESSAGES), shapes(filesOf(reference), MESSAGES));
  });

  it('the extended message: ours lists its own fields only, @grpc/reflection adds the extensions as fields', async () => {
    const [[mine], [reference]] = await Promise.all([ours, theirs].map((server) => reflect(server.address, [{ file_containing_symbol: 'shop.common.Money' }])));
    const fieldsOf = (files: IFileDescriptorProto[]): unknown => files.flatMap((file) => file.messageType ?? [])
      .find((type) => type.name === 'Money')?.field?.map((field) => field.name);
    assert.deepEqual(fieldsOf(filesOf(mine)), ['currency', 'units']);
    assert.deepEqual(fieldsOf(filesOf(reference)), ['currency', 'units', '.shop.extras.rounding', '.shop.extras.precision']);
  });

  it('ours answers file by file, named as imported, the asked file first, then every import once', async () => {
    const [mine] = await reflect(ours.address, [{ file_containing_symbol: 'shop.catalog.Item.Dimensions' }]);
    const files = filesOf(mine);
    assert.deepEqual(files.map((file) => file.name), [
      'shop/catalog.proto', 'google/protobuf/empty.proto', 'google/protobuf/timestamp.proto', 'shop/common/money.proto',
    ]);
    assert.deepEqual(files[0]!.dependency, ['google/protobuf/empty.proto', 'google/protobuf/timestamp.proto', 'shop/common/money.proto']);
    assert.equal(files[0]!.syntax, 'proto3');
    assert.equal(files[3]!.package, 'shop.common');
    // protoc's names: fully qualified type references, a map's entry type named <Field>Entry.
    const item = files[0]!.messageType!.find((type) => type.name === 'Item')!;
    const labels = item.field!.find((field) => field.name === 'label_values')!;
    assert.equal(labels.typeName, '.shop.catalog.Item.LabelValuesEntry');
    assert.ok(item.nestedType!.some((type) => type.name === 'LabelValuesEntry' && type.options?.mapEntry === true));
    assert.equal(item.field!.find((field) => field.name === 'price')!.typeName, '.shop.common.Money');
  });

  it('@grpc/reflection merges the files of a package into one named after it', async () => {
    const [reference] = await reflect(theirs.address, [{ file_containing_symbol: CATALOG }]);
    const names = filesOf(reference).map((file) => file.name);
    assert.ok(!names.includes('shop/catalog.proto'), names.join());
  });

  it('file_by_filename returns the file and its imports; an unknown file is NOT_FOUND, as @grpc/reflection answers it', async () => {
    const [byName, unknown] = await reflect(ours.address, [{ file_by_filename: 'shop/extras.proto' }, { file_by_filename: 'nope.proto' }]);
    assert.deepEqual(filesOf(byName).map((file) => file.name), ['shop/extras.proto', 'shop/common/money.proto']);
    const [, reference] = await reflect(theirs.address, [{ list_services: '' }, { file_by_filename: 'nope.proto' }]);
    assert.equal(unknown?.error_response?.error_code, grpc.status.NOT_FOUND);
    assert.equal(reference?.error_response?.error_code, grpc.status.NOT_FOUND);
  });

  it('an unknown symbol is NOT_FOUND on both, and the stream goes on answering', async () => {
    const [[mine, next], [reference]] = await Promise.all([
      reflect(ours.address, [{ file_containing_symbol: 'no.Such' }, { list_services: '' }]),
      reflect(theirs.address, [{ file_containing_symbol: 'no.Such' }]),
    ]);
    assert.equal(mine?.error_response?.error_code, grpc.status.NOT_FOUND);
    assert.equal(reference?.error_response?.error_code, grpc.status.NOT_FOUND);
    assert.equal(next?.message_response, 'list_services_response');
  });

  it('extensions: the file declaring one, and every extension number of a message', async () => {
    const [file, numbers, none, unknown] = await reflect(ours.address, [
      { file_containing_extension: { containing_type: 'shop.common.Money', extension_number: 101 } },
      { all_extension_numbers_of_type: 'shop.common.Money' },
      { all_extension_numbers_of_type: 'shop.catalog.Item' },
      { all_extension_numbers_of_type: 'no.Such' },
    ]);
    const [declaring] = filesOf(file);
    assert.equal(declaring?.name, 'shop/extras.proto');
    assert.deepEqual(declaring?.extension?.map((field) => [field.name, field.number, field.extendee]), [
      ['rounding', 100, '.shop.common.Money'], ['precision', 101, '.shop.common.Money'],
    ]);
    assert.deepEqual(numbers?.all_extension_numbers_response, { base_type_name: 'shop.common.Money', extension_number: [100, 101] });
    assert.deepEqual(none?.all_extension_numbers_response?.extension_number, []);
    assert.equal(unknown?.error_response?.error_code, grpc.status.NOT_FOUND);
    // The extended message keeps its own fields only, as protoc describes it.
    const [money] = filesOf((await reflect(ours.address, [{ file_by_filename: 'shop/common/money.proto' }]))[0]);
    assert.deepEqual(money?.messageType?.[0]?.field?.map((field) => field.name), ['currency', 'units']);
    assert.deepEqual(money?.messageType?.[0]?.extensionRange?.map((range) => [range.start, range.end]), [[100, 200]]);
  });

  it('the built-in services describe themselves: health and both reflection versions', async () => {
    const plain = await startOurReflectionServer({ reflection: true, health: true });
    try {
      const answers = await reflect(plain.address, [
        { file_containing_symbol: 'grpc.health.v1.Health' },
        { file_containing_symbol: 'grpc.reflection.v1alpha.ServerReflectionResponse' },
      ]);
      assert.deepEqual(answers.map((answer) => filesOf(answer).map((file) => file.name)), [
        ['grpc/health/v1/health.proto'], ['grpc/reflection/v1alpha/reflection.proto'],
      ]);
    } finally {
      await plain.stop();
    }
  });

  it('without the option there is no reflection service: UNIMPLEMENTED', async () => {
    const plain = await startOurReflectionServer({});
    try {
      await assert.rejects(reflect(plain.address, [{ list_services: '' }]), (error: grpc.ServiceError) => error.code === grpc.status.UNIMPLEMENTED);
    } finally {
      await plain.stop();
    }
  });
});
