// GrpcServer.addService with a grpc-js ServiceDefinition and a grpc-js-style implementation: the real
// grpc-health-check and @grpc/reflection, and a hand-written implementation of the four call shapes, answer a
// grpc-js client as the same code does on a grpc-js server.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { addEcosystemServices, check, reflect, startGrpcJsServer, watch } from './ecosystem-peers.js';
import type { ServiceRegistry } from './ecosystem-peers.js';
import { PROTO } from './fixtures.js';

const TIMEOUT = { timeout: 15_000 };
const pkg = protoLoader.loadSync(PROTO, { keepCase: true, defaults: true });
const shapesDefinition = (grpc.loadPackageDefinition(pkg)['servertest'] as grpc.GrpcObject)['Shapes'] as grpc.ServiceClientConstructor;

// Written for grpc-js: callbacks, call.write/end, 'data'/'end' events, trailers and errors with metadata.
const shapes: grpc.UntypedServiceImplementation = {
  unary: (call: grpc.ServerUnaryCall<{ text: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    if (call.request.text === 'fail') {
      const metadata = new grpc.Metadata();
      metadata.set('reason', 'asked');
      callback({ code: grpc.status.FAILED_PRECONDITION, details: 'refused', metadata });
      return;
    }
    const trailer = new grpc.Metadata();
    trailer.set('seen', String(call.metadata.get('tag')[0] ?? 'none'));
    callback(null, { text: `unary ${call.request.text}`, count: 1 }, trailer);
  },
  ServerStream: (call: grpc.ServerWritableStream<{ text: string; count: number }, unknown>) => {
    for (let i = 0; i < call.request.count; i++) call.write({ text: `${call.request.text} ${i}`, count: i });
    const trailer = new grpc.Metadata();
    trailer.set('written', String(call.request.count));
    call.end(trailer);
  },
  ClientStream: (call: grpc.ServerReadableStream<{ text: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    const texts: string[] = [];
    call.on('data', (item: { text: string }) => texts.push(item.text));
    call.on('end', () => callback(null, { text: texts.join('+'), count: texts.length }));
  },
  Bidi: (call: grpc.ServerDuplexStream<{ text: string }, unknown>) => {
    call.on('data', (item: { text: string }) => call.write({ text: item.text.toUpperCase() }));
    call.on('end', () => call.end());
  },
};

type Client = grpc.Client & Record<string, (...args: unknown[]) => never>;

/** Every call shape once, with the outcomes a user would look at. */
async function runShapes(address: string): Promise<unknown[]> {
  const client = new shapesDefinition(address, grpc.credentials.createInsecure()) as Client;
  const metadata = new grpc.Metadata();
  metadata.set('tag', 'seven');
  const unary = (text: string): Promise<unknown> => new Promise((resolve) => {
    let trailer: unknown;
    const call = (client['Unary'] as (r: object, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: unknown) => void) => grpc.ClientUnaryCall)(
      { text }, metadata, (error, value) => setImmediate(() =>
        resolve(error === null ? { value, trailer } : { code: error.code, details: error.details, reason: error.metadata.get('reason') })));
    call.on('status', (status: grpc.StatusObject) => { trailer = status.metadata.get('seen'); });
  });
  const stream = (): Promise<unknown> => new Promise((resolve, reject) => {
    const items: unknown[] = [];
    const call = (client['ServerStream'] as (r: object) => grpc.ClientReadableStream<unknown>)({ text: 'tick', count: 3 });
    call.on('data', (item) => items.push(item)).on('error', reject)
      .on('status', (status: grpc.StatusObject) => setImmediate(() => resolve({ items, trailer: status.metadata.get('written') })));
  });
  const upload = (): Promise<unknown> => new Promise((resolve, reject) => {
    const call = (client['ClientStream'] as (cb: (e: grpc.ServiceError | null, v: unknown) => void) => grpc.ClientWritableStream<unknown>)(
      (error, value) => (error === null ? resolve(value) : reject(error)));
    for (const text of ['a', 'b', 'c']) call.write({ text });
    call.end();
  });
  const bidi = (): Promise<unknown> => new Promise((resolve, reject) => {
    const items: unknown[] = [];
    const call = (client['Bidi'] as () => grpc.ClientDuplexStream<unknown, unknown>)();
    call.on('data', (item) => items.push(item)).on('error', reject).on('end', () => resolve(items));
    for (const text of ['x', 'y']) call.write({ text });
    call.end();
  });
  try {
    return [await unary('hi'), await unary('fail'), await stream(), await upload(), await bidi()];
  } finally {
    client.close();
  }
}

async function startOurs(setup: (server: ServiceRegistry) => void): Promise<{ address: string; stop(): Promise<void> }> {
  const server = new GrpcServer();
  setup(server);
  const port = await server.listen('127.0.0.1:0');
  return { address: `127.0.0.1:${port}`, stop: () => server.close({ force: true }) };
}

describe('GrpcServer serving grpc-js service definitions and implementations', () => {
  const stops: Array<() => unknown> = [];
  after(() => Promise.all(stops.map((stop) => stop())));
  const both = async (setup: (server: ServiceRegistry) => void): Promise<{ reference: string; ours: string }> => {
    const reference = await startGrpcJsServer(setup);
    const ours = await startOurs(setup);
    stops.push(reference.stop, ours.stop);
    return { reference: reference.address, ours: ours.address };
  };

  it('runs the four call shapes of a grpc-js implementation as grpc-js does', TIMEOUT, async () => {
    const { reference, ours } = await both((server) => server.addService(shapesDefinition.service, shapes));
    const expected = await runShapes(reference);
    assert.deepEqual(expected[1], { code: grpc.status.FAILED_PRECONDITION, details: 'refused', reason: ['asked'] });
    assert.deepEqual((expected[2] as { trailer: unknown }).trailer, ['3']);
    assert.deepEqual(await runShapes(ours), expected);
  });

  it('a throwing implementation ends its call UNKNOWN, a request its deserializer cannot read INTERNAL, as on grpc-js', TIMEOUT, async () => {
    const throwing: grpc.UntypedServiceImplementation = {
      Unary: () => { throw new Error('broken'); },
      ServerStream: () => { throw new Error('broken'); },
    };
    const { reference, ours } = await both((server) => server.addService(shapesDefinition.service, throwing));
    const codes = async (address: string): Promise<number[]> => {
      const client = new grpc.Client(address, grpc.credentials.createInsecure());
      const unary = (serialize: (value: object) => Buffer): Promise<number> => new Promise((resolve) => {
        const call = client.makeUnaryRequest('/servertest.Shapes/Unary', serialize, (bytes: Buffer) => bytes, {}, () => {});
        call.on('status', (status: grpc.StatusObject) => resolve(status.code));
      });
      const stream = new Promise<number>((resolve) => {
        const call = client.makeServerStreamRequest('/servertest.Shapes/ServerStream', () => Buffer.alloc(0), (bytes: Buffer) => bytes, {});
        call.on('error', () => {}).on('status', (status: grpc.StatusObject) => resolve(status.code));
      });
      // 0x10 0xff: field 2 (count), a varint cut off after its first byte.
      const codes = [await unary(() => Buffer.alloc(0)), await stream, await unary(() => Buffer.from([0x10, 0xff]))];
      client.close();
      return codes;
    };
    const expected = await codes(reference);
    assert.deepEqual(expected, [grpc.status.UNKNOWN, grpc.status.UNKNOWN, grpc.status.INTERNAL]);
    assert.deepEqual(await codes(ours), expected);
  });

  it('grpc-health-check answers Check and Watch as on grpc-js', TIMEOUT, async () => {
    const healths: Record<string, ReturnType<typeof addEcosystemServices>> = {};
    let next = 'reference';
    const { reference, ours } = await both((server) => { healths[next] = addEcosystemServices(server, pkg); next = 'ours'; });
    for (const address of [reference, ours]) {
      assert.deepEqual(await check(address, ''), { status: 'SERVING' });
      assert.deepEqual(await check(address, 'nope'), { code: grpc.status.NOT_FOUND, details: 'Health status unknown for service nope' });
    }
    assert.deepEqual(await watch(reference, 'w', 2, healths['reference'], 'NOT_SERVING'), ['SERVICE_UNKNOWN', 'NOT_SERVING']);
    assert.deepEqual(await watch(ours, 'w', 2, healths['ours'], 'NOT_SERVING'), ['SERVICE_UNKNOWN', 'NOT_SERVING']);
  });

  it('@grpc/reflection lists the services and returns file descriptors as on grpc-js', TIMEOUT, async () => {
    const { reference, ours } = await both((server) => addEcosystemServices(server, pkg));
    const requests = [{ list_services: '*' }, { file_containing_symbol: 'servertest.Shapes' }, { file_by_filename: 'missing.proto' }];
    const expected = await reflect(reference, requests);
    assert.equal(expected.length, 3);
    assert.deepEqual(expected[0]!['list_services_response'], { service: [{ name: 'servertest.Shapes' }] });
    assert.deepEqual(await reflect(ours, requests), expected);
  });
});
