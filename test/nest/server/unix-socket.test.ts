// GrpcTransportStrategy with url 'unix:/path': served to grpc-js's client over unix:, the socket file gone after close.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CATALOG_PROTO, hostControllers, LOADER, TEST_TIMEOUT } from './fixtures.js';

@Controller()
class ItemController {
  @GrpcMethod('Catalog', 'GetItem')
  getItem(request: { id: number }): { id: number; name: string; price: number } {
    return { id: request.id, name: 'over unix', price: 1 };
  }
}

const definition = protoLoader.loadSync(CATALOG_PROTO, LOADER);
const Catalog = (grpc.loadPackageDefinition(definition)['shop'] as grpc.GrpcObject)['Catalog'] as grpc.ServiceClientConstructor;

describe('GrpcTransportStrategy on a Unix domain socket', () => {
  it('serves a grpc-js client over unix: and removes the socket file on app.close()', TEST_TIMEOUT, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nest-unix-'));
    const path = join(dir, 'app.sock');
    const { app } = await hostControllers([ItemController], { url: `unix://${path}` });
    const client = new Catalog(`unix:${path}`, grpc.credentials.createInsecure());
    try {
      const reply = await new Promise<unknown>((resolve, reject) => {
        (client as unknown as Record<string, (r: object, o: object, cb: (e: Error | null, v?: unknown) => void) => void>)['GetItem']!(
          { id: 7 }, { deadline: Date.now() + 5000 }, (error, value) => (error === null ? resolve(value) : reject(error)));
      });
      assert.deepEqual(reply, { id: 7, name: 'over unix', price: 1 });
    } finally {
      client.close();
      await app.close();
    }
    assert.equal(existsSync(path), false);
    rmSync(dir, { recursive: true, force: true });
  });
});
