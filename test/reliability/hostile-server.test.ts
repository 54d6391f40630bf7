// The five-byte attack mirrored onto the client (issue 13), ours beside grpc-js: each answer is a lone prefix
// announcing 4 MiB. Memory must follow the bytes that arrived; calls end DEADLINE_EXCEEDED, or CANCELLED when their
// caller cancels, and reach the server as reset streams.
import grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { createServer } from 'node:http2';
import type { Http2Server, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GrpcClient, Status } from '../../lib/index.js';
import type { MethodDescriptor } from '../../lib/index.js';
import { rawPrefix } from '../bad-input/bad-case.js';
import type { ExampleReply, RequestInit } from '../equivalence/example-service.js';
import { loadGrpcJsService } from '../equivalence/grpc-js-adapter.js';
import { loadOurService } from '../equivalence/our-adapter.js';

const MIB = 1024 * 1024;
// Both clients' default receive limit, so the announced message is acceptable and must be waited for.
const ANNOUNCED = 4 * MIB;
const CALLS = 1000;
const DEADLINE_MS = 4000;
const MEMORY_BOUND = 200 * MIB;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function arrayBuffers(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

/** A server that opens every response with a lone prefix announcing ANNOUNCED bytes and keeps the stream open. */
class HostileServer {
  readonly #streams: ServerHttp2Stream[] = [];
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #server: Http2Server = createServer();
  #waiting: { count: number; resolve: () => void } | undefined;

  async listen(): Promise<string> {
    this.#server.on('session', (session) => {
      this.#sessions.add(session);
      session.on('error', () => {});
      session.once('close', () => this.#sessions.delete(session));
    });
    this.#server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.write(rawPrefix(0, ANNOUNCED));
      this.#streams.push(stream);
      if (this.#waiting !== undefined && this.#streams.length >= this.#waiting.count) this.#waiting.resolve();
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` calls got their prefix and the client acknowledged a PING sent after them all. */
  async prefixesDelivered(count: number): Promise<void> {
    if (this.#streams.length < count) await new Promise<void>((resolve) => { this.#waiting = { count, resolve }; });
    await Promise.all([...this.#sessions].map((session) => new Promise<void>((resolve, reject) => {
      session.ping((err) => (err === null ? resolve() : reject(err)));
    })));
  }

  /** Resolves once every stream was closed by the client (its RST_STREAM arrived), or after `timeoutMs` anyway. */
  async streamsClosed(timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    let open = this.#streams.filter((stream) => !stream.closed).length;
    while (open > 0 && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      open = this.#streams.filter((stream) => !stream.closed).length;
    }
    return open;
  }

  close(): Promise<void> {
    for (const session of this.#sessions) session.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** One call in flight: the status code it ends with, and the caller's way to cancel it. */
interface PendingCall {
  status: Promise<number>;
  cancel(): void;
}

/** One client library, calling the example service's unary method. */
interface ClientUnderTest {
  call(timeoutMs: number | undefined): PendingCall;
  close(): void;
}

function ourClient(address: string): ClientUnderTest {
  const client = new GrpcClient(address);
  const method = loadOurService().methods.get('unary_unary') as MethodDescriptor<RequestInit, ExampleReply>;
  return {
    call: (timeout) => {
      let resolveStatus: (code: number) => void = () => {};
      const status = new Promise<number>((resolve) => { resolveStatus = resolve; });
      // onStatus reports the end of every call, unsubscribed ones (CANCELLED) included.
      const subscription = client.call(method, { value: 'x' }, { timeout, onStatus: (info) => resolveStatus(info.code) })
        .subscribe({ error: () => {} });
      return { status, cancel: () => subscription.unsubscribe() };
    },
    close: () => void client.close({ force: true }),
  };
}

function grpcJsClient(address: string): ClientUnderTest {
  const Client = grpc.makeGenericClientConstructor(loadGrpcJsService(), 'example');
  const client = new Client(address, grpc.credentials.createInsecure());
  const unary = client['unary_unary'] as (request: RequestInit, options: grpc.CallOptions,
    done: (err: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall;
  return {
    call: (timeout) => {
      const options = timeout === undefined ? {} : { deadline: Date.now() + timeout };
      let call: grpc.ClientUnaryCall | undefined;
      const status = new Promise<number>((resolve) => {
        call = unary.call(client, { value: 'x' }, options, (err) => resolve(err === null ? Status.OK : err.code));
      });
      return { status, cancel: () => call?.cancel() };
    },
    close: () => client.close(),
  };
}

describe('hostile server: every response a lone prefix announcing 4 MiB', { timeout: 60_000 }, () => {
  for (const [name, connect] of [['ours', ourClient], ['grpc-js', grpcJsClient]] as const) {
    it(`client=${name}: memory stays bounded; calls end DEADLINE_EXCEEDED, or CANCELLED when cancelled`, { timeout: 30_000 }, async (t) => {
      const server = new HostileServer();
      const client = connect(await server.listen());
      try {
        const before = arrayBuffers();
        // Half the calls carry a deadline; their callers cancel the other half once memory was read.
        const withDeadline = Array.from({ length: CALLS / 2 }, () => client.call(DEADLINE_MS));
        const withoutDeadline = Array.from({ length: CALLS / 2 }, () => client.call(undefined));
        await server.prefixesDelivered(CALLS);
        const grown = arrayBuffers() - before;
        t.diagnostic(`${name} client holding ${CALLS} calls announced 4 MiB each: array buffers +${(grown / MIB).toFixed(1)} MiB`);
        assert.ok(grown < MEMORY_BOUND, `array buffers grew by ${(grown / MIB).toFixed(1)} MiB`);

        for (const call of withoutDeadline) call.cancel();
        assert.deepEqual(new Set(await Promise.all(withoutDeadline.map((call) => call.status))), new Set([Status.CANCELLED]));
        assert.deepEqual(new Set(await Promise.all(withDeadline.map((call) => call.status))), new Set([Status.DEADLINE_EXCEEDED]));
        assert.equal(await server.streamsClosed(5000), 0, 'every call reached the server as a closed stream');
      } finally {
        client.close();
        await server.close();
      }
    });
  }
});
