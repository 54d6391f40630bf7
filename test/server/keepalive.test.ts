// Server connection management: keepalive PING and its timeout, too_many_pings enforcement, idle and age limits,
// max concurrent streams, max metadata size; compared with grpc-js's server where it has the behaviour.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import { after, describe, it } from 'node:test';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import type { ServerOptions } from '../../lib/server/grpc-server.js';
import { startRelay } from '../fixtures/freezable-relay.js';
import { callUnary, delay, PROTO, shapes, startHarness } from './fixtures.js';
import type { Harness } from './fixtures.js';

const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const ShapesCtor = (grpc.loadPackageDefinition(definition)['servertest'] as grpc.GrpcObject)['Shapes'] as grpc.ServiceClientConstructor;
const ENHANCE_YOUR_CALM = 11;

interface Peer { port: number; stop(): Promise<void> }

// The same option on each server: ours by its name, grpc-js by its channel argument.
async function startServer(kind: 'ours' | 'grpc-js', ours: ServerOptions, grpcJs: grpc.ServerOptions): Promise<Peer> {
  if (kind === 'ours') {
    const server = new GrpcServer(ours);
    server.addService(shapes, { Unary: () => ({ text: 'ok' }) });
    const port = await server.listen('127.0.0.1:0');
    return { port, stop: () => server.close({ force: true }) };
  }
  const server = new grpc.Server(grpcJs);
  server.addService(ShapesCtor.service, { Unary: (_call: unknown, callback: grpc.sendUnaryData<{ text: string }>) => callback(null, { text: 'ok' }) });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err)));
  });
  return { port, stop: async () => { server.forceShutdown(); } };
}

function rawSession(port: number): Promise<ClientHttp2Session> {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  return new Promise((resolve) => session.once('remoteSettings', () => resolve(session)));
}

function nextGoaway(session: ClientHttp2Session): Promise<{ code: number; data: string }> {
  return new Promise((resolve) => session.once('goaway', (code, _last, data) => resolve({ code, data: data?.toString() ?? '' })));
}

function withinMs<T>(ms: number, promise: Promise<T>): Promise<T | 'timeout'> {
  return Promise.race([promise, delay(ms).then(() => 'timeout' as const)]);
}

for (const kind of ['ours', 'grpc-js'] as const) {
  describe(`server=${kind} connection management`, () => {
    const stops: Array<() => unknown> = [];
    after(async () => { for (const stop of stops) await stop(); });

    it('closes a connection whose client stops answering keepalive PINGs', async () => {
      const server = await startServer(kind, { keepaliveTimeMs: 200, keepaliveTimeoutMs: 200 },
        { 'grpc.keepalive_time_ms': 200, 'grpc.keepalive_timeout_ms': 200 });
      const relay = await startRelay(server.port);
      stops.push(server.stop, relay.stop);
      const session = await rawSession(relay.port);
      stops.push(() => session.destroy());
      await delay(300);
      assert.equal(session.closed, false, 'an answering client is kept');
      relay.freeze();
      assert.notEqual(await withinMs(5000, relay.upstreamClosed), 'timeout');
    });

    it('sends GOAWAY to a connection idle for idleTimeoutMs (grpc.max_connection_idle_ms)', async () => {
      const server = await startServer(kind, { idleTimeoutMs: 200 }, { 'grpc.max_connection_idle_ms': 200 });
      stops.push(server.stop);
      const session = await rawSession(server.port);
      stops.push(() => session.destroy());
      const goaway = await withinMs(5000, nextGoaway(session));
      assert.notEqual(goaway, 'timeout');
    });

    it('sends GOAWAY at maxConnectionAgeMs, and calls keep succeeding over fresh connections', async () => {
      const server = await startServer(kind, { maxConnectionAgeMs: 200, maxConnectionAgeGraceMs: 1000 },
        { 'grpc.max_connection_age_ms': 200, 'grpc.max_connection_age_grace_ms': 1000 });
      stops.push(server.stop);
      const session = await rawSession(server.port);
      stops.push(() => session.destroy());
      assert.notEqual(await withinMs(5000, nextGoaway(session)), 'timeout');
      const client = new ShapesCtor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as unknown as Harness['client'];
      stops.push(() => client.close());
      const codes: number[] = [];
      for (let i = 0; i < 8; i++) {
        codes.push((await callUnary(client, {}, { deadline: Date.now() + 3000 })).status.code);
        await delay(100);
      }
      assert.deepEqual(codes, codes.map(() => grpc.status.OK));
    });

    it('announces maxConcurrentStreams in its SETTINGS', async () => {
      const server = await startServer(kind, { maxConcurrentStreams: 7 }, { 'grpc.max_concurrent_streams': 7 });
      stops.push(server.stop);
      const session = await rawSession(server.port);
      stops.push(() => session.destroy());
      assert.equal(session.remoteSettings.maxConcurrentStreams, 7);
    });
  });
}

describe('server=ours ping enforcement', () => {
  it('answers a client pinging without calls too often with GOAWAY ENHANCE_YOUR_CALM "too_many_pings"', async () => {
    const server = await startServer('ours', {}, {});
    const session = await rawSession(server.port);
    try {
      const goaway = nextGoaway(session);
      for (let i = 0; i < 5 && !session.closed; i++) {
        session.ping(() => {});
        await delay(20);
      }
      assert.deepEqual(await withinMs(5000, goaway), { code: ENHANCE_YOUR_CALM, data: 'too_many_pings' });
    } finally {
      session.destroy();
      await server.stop();
    }
  });

  it('lets pings through at the permitted rate', async () => {
    const server = await startServer('ours', { keepaliveMinTimeMs: 10, keepalivePermitWithoutCalls: true }, {});
    const session = await rawSession(server.port);
    try {
      let goaways = 0;
      session.on('goaway', () => { goaways++; });
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => session.ping(resolve));
        await delay(40);
      }
      assert.equal(goaways, 0);
      assert.equal(session.closed, false);
    } finally {
      session.destroy();
      await server.stop();
    }
  });
});

describe('server=ours metadata size', () => {
  it('refuses metadata over maxMetadataSize (8 KiB by default) with RESOURCE_EXHAUSTED, and serves the next call', async () => {
    const harness = await startHarness({ Unary: () => ({ text: 'ok' }) });
    try {
      const sized = (bytes: number): grpc.Metadata => { const metadata = new grpc.Metadata(); metadata.set('x-big', 'a'.repeat(bytes)); return metadata; };
      const small = await callUnary(harness.client, {}, {}, sized(6000));
      const large = await callUnary(harness.client, {}, {}, sized(9000));
      const next = await callUnary(harness.client, {}, {});
      assert.deepEqual([small.status.code, large.status.code, next.status.code], [grpc.status.OK, grpc.status.RESOURCE_EXHAUSTED, grpc.status.OK]);
    } finally {
      await harness.close();
    }
  });

  it('takes a larger maxMetadataSize', async () => {
    const harness = await startHarness({ Unary: () => ({ text: 'ok' }) }, { maxMetadataSize: 64 * 1024 });
    try {
      const metadata = new grpc.Metadata();
      metadata.set('x-big', 'a'.repeat(20_000));
      assert.equal((await callUnary(harness.client, {}, {}, metadata)).status.code, grpc.status.OK);
    } finally {
      await harness.close();
    }
  });
});
