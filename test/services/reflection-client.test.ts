// A reflection client from npm (grpc-js-reflection-client 1.4.2) against ours and against grpc-js +
// @grpc/reflection, as grpcurl or Postman would use it: list the services, fetch the descriptors, build the
// request type from them alone (no .proto at hand) and make a call. Both servers must give the same results.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import grpc from '@grpc/grpc-js';
import { GrpcReflection } from 'grpc-js-reflection-client';
import { CATALOG, startGrpcJsReflectionServer, startOurReflectionServer } from './reflection-fixtures.js';
import type { Item, ReflectionServer } from './reflection-fixtures.js';

const BOUND = { timeout: 30_000 };
const LOADER = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

type CatalogClient = grpc.Client & {
  GetItem(request: { item_id: string }, callback: (error: grpc.ServiceError | null, reply?: Item) => void): void;
};

/** Everything the client learns by reflection alone, and one call made with the types it built. */
async function discoverAndCall(address: string, version: 'v1' | 'v1alpha'): Promise<unknown> {
  const reflection = new GrpcReflection(address, grpc.credentials.createInsecure(), {}, version);
  const services = await reflection.listServices();
  const methods = (await reflection.listMethods(CATALOG)).map((method) => method.name);
  const descriptor = await reflection.getDescriptorBySymbol(CATALOG);
  const loaded = descriptor.getPackageObject(LOADER) as unknown as {
    shop: { catalog: { Catalog: new (address: string, credentials: grpc.ChannelCredentials) => CatalogClient } };
  };
  const client = new loaded.shop.catalog.Catalog(address, grpc.credentials.createInsecure());
  try {
    const reply = await new Promise<Item>((resolve, reject) => {
      client.GetItem({ item_id: 'book-1' }, (error, value) => (error !== null ? reject(error) : resolve(value!)));
    });
    const types = descriptor.getProtobufJsRoot().lookupType('shop.catalog.Item').fieldsArray.map((field) => field.name);
    return { services: services.filter((name) => name === CATALOG), methods, reply, types };
  } finally {
    client.close();
  }
}

describe('grpc-js-reflection-client: ours and @grpc/reflection', BOUND, () => {
  let ours: ReflectionServer;
  let theirs: ReflectionServer;
  before(async () => {
    [ours, theirs] = await Promise.all([startOurReflectionServer(), startGrpcJsReflectionServer()]);
  });
  after(async () => {
    await Promise.all([ours.stop(), theirs.stop()]);
  });

  for (const version of ['v1', 'v1alpha'] as const) {
    it(`${version}: lists, describes and calls Catalog with types built from reflection, as on grpc-js`, async () => {
      const mine = await discoverAndCall(ours.address, version);
      assert.deepEqual(mine, await discoverAndCall(theirs.address, version));
      assert.deepEqual((mine as { reply: Item }).reply.item_id, 'book-1');
      assert.deepEqual((mine as { methods: string[] }).methods, ['GetItem', 'ListItems', 'Tag']);
    });
  }

  it('fetches a file by name and, following its import list by name, every file it needs', async () => {
    const reflection = new GrpcReflection(ours.address, grpc.credentials.createInsecure(), {}, 'v1');
    const root = (await reflection.getDescriptorByFileName('shop/catalog.proto')).getProtobufJsRoot();
    assert.deepEqual(root.lookupType('shop.common.Money').fieldsArray.map((field) => field.name), ['currency', 'units']);
    assert.deepEqual(root.lookupType('google.protobuf.Timestamp').fieldsArray.map((field) => field.name), ['seconds', 'nanos']);
  });
});
