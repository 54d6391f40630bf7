// SIGTERM to a Nest app on GrpcTransportStrategy (enableShutdownHooks, gracefulShutdown, shutdownGraceMs): unary calls
// and streams that end inside the grace period are delivered whole, a stream past it ends CANCELLED, the process exits.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CATALOG_PROTO, LOADER } from './fixtures.js';

const APP = fileURLToPath(new URL('./shutdown-app.js', import.meta.url));
const definition = protoLoader.loadSync(CATALOG_PROTO, LOADER);
const Catalog = (grpc.loadPackageDefinition(definition)['shop'] as grpc.GrpcObject)['Catalog'] as grpc.ServiceClientConstructor;
type CatalogClient = grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientReadableStream<unknown> & grpc.ClientUnaryCall>;

interface Outcome { code: number; count: number }

function unary(client: CatalogClient, id: number): Promise<Outcome> {
  return new Promise((resolve) => {
    client['GetItem']!({ id }, { deadline: Date.now() + 10_000 }, (error: grpc.ServiceError | null) => resolve({ code: error?.code ?? 0, count: 1 }));
  });
}

function stream(client: CatalogClient, count: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let received = 0;
    const call = client['ListItems']!({ count }, { deadline: Date.now() + 10_000 });
    call.on('data', () => { received++; });
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => resolve({ code: status.code, count: received }));
  });
}

describe('Nest app stopped by SIGTERM (enableShutdownHooks)', () => {
  it('finishes calls in flight within shutdownGraceMs, cancels the rest, exits', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [APP], { env: { ...process.env, GRACE_MS: '1500' }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          const match = /listening (\d+)/.exec(output);
          if (match !== null) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`app exited with ${code} before listening`)));
      });
      const client = new Catalog(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as CatalogClient;
      await unary(client, 0);
      const unaries = Array.from({ length: 20 }, (_, id) => unary(client, id));
      const short = stream(client, 10);
      const long = stream(client, 1000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [unaryOutcomes, shortOutcome, longOutcome] = await Promise.all([Promise.all(unaries), short, long]);
      const [exitCode, signal] = await exited;
      client.close();
      assert.deepEqual(unaryOutcomes.map((o) => o.code), unaryOutcomes.map(() => grpc.status.OK));
      assert.deepEqual(shortOutcome, { code: grpc.status.OK, count: 10 });
      assert.equal(longOutcome.code, grpc.status.CANCELLED);
      assert.ok(longOutcome.count > 0);
      // Nest's shutdown hook re-raises the signal once app.close() is done: the process ends by SIGTERM, not SIGKILL.
      assert.deepEqual([exitCode, signal], [null, 'SIGTERM']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
