import 'reflect-metadata';
// GrpcTransportStrategy's options: gracefulShutdown, message size limits, defaultCompression, credentials.
// (`tls` runs in the equivalence matrix: test/equivalence/tls.test.ts.)
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { CATALOG_PROTO, hostControllers, TEST_TIMEOUT } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';
import type { Outcome } from './grpc-js-peer.js';

const RESOURCE_EXHAUSTED = 8;

interface ItemRequest { id: number; kind: string; size: number; blob: Buffer }

@Controller()
class Catalog {
  static entered: Array<() => void> = [];

  @GrpcHandler()
  async getItem(@Payload() request: ItemRequest): Promise<{ id: number; name: string }> {
    if (request.kind === 'slow') {
      for (const notify of Catalog.entered.splice(0)) notify();
      await delay(300);
    }
    return { id: request.blob.length, name: 'x'.repeat(request.size) };
  }
}

/** Starts a slow call and resolves once its handler runs (wrapped: an async function would adopt the outcome). */
async function slowCall(peer: GrpcJsPeer): Promise<{ outcome: Promise<Outcome> }> {
  const entered = new Promise<void>((resolve) => Catalog.entered.push(resolve));
  const outcome = peer.unary('shop.Catalog/GetItem', { kind: 'slow' });
  await entered;
  return { outcome };
}

/** One raw HTTP/2 call with an empty request message: the response headers and the first frame's flag byte. */
function rawCall(address: string, acceptEncoding: string): Promise<{ headers: IncomingHttpHeaders; flag: number | undefined }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${address}`);
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST', ':path': '/shop.Catalog/GetItem', 'content-type': 'application/grpc', te: 'trailers',
      'grpc-accept-encoding': acceptEncoding,
    });
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (received) => { headers = received; });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('close', () => { session.close(); resolve({ headers, flag: Buffer.concat(chunks)[0] }); });
    stream.end(Buffer.alloc(5));
  });
}

describe('GrpcTransportStrategy options', () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => { for (const step of cleanup.reverse()) await step(); }, TEST_TIMEOUT);
  const host = async (options: Parameters<typeof hostControllers>[1]): Promise<{ close(): Promise<void>; peer: GrpcJsPeer; address: string }> => {
    const { app, address } = await hostControllers([Catalog], options);
    const peer = new GrpcJsPeer(address, CATALOG_PROTO);
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => (closed ??= app.close());
    cleanup.push(() => peer.close(), close);
    return { close, peer, address };
  };

  it('by default close() drops calls in flight', TEST_TIMEOUT, async () => {
    const { close, peer } = await host({});
    const { outcome } = await slowCall(peer);
    const started = Date.now();
    await close();
    const closedAfter = Date.now() - started;
    const { code, responses } = await outcome;
    assert.notEqual(code, 0);
    assert.deepEqual(responses, []);
    assert.ok(closedAfter < 250, `closed after ${closedAfter} ms`);
  });

  it('gracefulShutdown: close() lets calls in flight finish', TEST_TIMEOUT, async () => {
    const { close, peer } = await host({ gracefulShutdown: true });
    const { outcome } = await slowCall(peer);
    const started = Date.now();
    await close();
    const closedAfter = Date.now() - started;
    const { code, responses } = await outcome;
    assert.deepEqual([code, responses], [0, [{ id: 0, name: '', price: 0 }]]);
    assert.ok(closedAfter >= 200, `closed after ${closedAfter} ms, before the call finished`);
  });

  it('maxReceiveMessageLength: a larger request is RESOURCE_EXHAUSTED', TEST_TIMEOUT, async () => {
    const { peer } = await host({ maxReceiveMessageLength: 1024 });
    assert.equal((await peer.unary('shop.Catalog/GetItem', { blob: Buffer.alloc(900) })).responses.length, 1);
    assert.equal((await peer.unary('shop.Catalog/GetItem', { blob: Buffer.alloc(2048) })).code, RESOURCE_EXHAUSTED);
  });

  it('maxSendMessageLength: a larger response is RESOURCE_EXHAUSTED', TEST_TIMEOUT, async () => {
    const { peer } = await host({ maxSendMessageLength: 64 });
    assert.equal((await peer.unary('shop.Catalog/GetItem', { size: 32 })).code, 0);
    assert.equal((await peer.unary('shop.Catalog/GetItem', { size: 128 })).code, RESOURCE_EXHAUSTED);
  });

  it('defaultCompression: responses compressed when the client accepts it', TEST_TIMEOUT, async () => {
    const { address } = await host({ defaultCompression: 'gzip' });
    const accepted = await rawCall(address, 'identity,gzip');
    assert.deepEqual([accepted.headers['grpc-encoding'], accepted.flag], ['gzip', 1]);
    const refused = await rawCall(address, 'identity');
    assert.deepEqual([refused.headers['grpc-encoding'], refused.flag], [undefined, 0]);
  });

  it('refuses credentials that are not grpc-js ServerCredentials, pointing to the tls option', () => {
    const withCredentials = { protoPath: CATALOG_PROTO, credentials: {} };
    assert.throws(() => new GrpcTransportStrategy(withCredentials), /"credentials" option takes a grpc-js ServerCredentials object, got Object: .*node:tls options instead, \{ tls: \{ key, cert, ca \} \}/);
  });
});
