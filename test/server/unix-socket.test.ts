// Listening on a Unix domain socket (unix:/path, unix:///path): served to grpc-js's client over unix:, the socket
// file removed on close, a stale one left by a dead process replaced; also under the Nest strategy.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { callUnary, shapes, startHarness } from './fixtures.js';
import type { Harness } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'grpc-unix-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function grpcJsCall(target: string): Promise<{ code: number; text?: string }> {
  const harness = await startHarness({});
  await harness.close();
  const Client = harness.client.constructor as new (address: string, credentials: grpc.ChannelCredentials) => Harness['client'];
  const client = new Client(target, grpc.credentials.createInsecure());
  try {
    const outcome = await callUnary(client, { text: 'over unix' }, { deadline: Date.now() + 5000 });
    return { code: outcome.status.code, text: outcome.response?.text };
  } finally {
    client.close();
  }
}

describe('GrpcServer on a Unix domain socket', () => {
  for (const form of ['unix:', 'unix://'] as const) {
    it(`listens on ${form}/path, serves a grpc-js client there, removes the file on close`, async () => {
      const path = join(dir, `${form.length}.sock`);
      const server = new GrpcServer();
      server.addService(shapes, { Unary: (request: { text: string }) => ({ text: request.text }) });
      assert.equal(await server.listen(`${form}${path}`), 0);
      try {
        assert.deepEqual(await grpcJsCall(`unix:${path}`), { code: grpc.status.OK, text: 'over unix' });
      } finally {
        await server.close({ force: true });
      }
      assert.equal(existsSync(path), false);
    });
  }

  it('replaces a stale socket file left by a process that died', async () => {
    const path = join(dir, 'stale.sock');
    // A child that listens there and is killed leaves the file behind.
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`]);
    await once(child.stdout, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(existsSync(path), true);
    const server = new GrpcServer();
    server.addService(shapes, { Unary: () => ({ text: 'fresh' }) });
    await server.listen(`unix:${path}`);
    try {
      assert.equal((await grpcJsCall(`unix:${path}`)).text, 'fresh');
    } finally {
      await server.close({ force: true });
    }
  });
});
