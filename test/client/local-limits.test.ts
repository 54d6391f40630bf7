// node:http2's own caps on what a client sends: header blocks (maxSendHeaderBlockLength) and queued bytes
// (maxSessionMemory). Lifted as grpc-js lifts them, so the server's answer decides; a refusal node:http2 still makes
// (a cap the caller set) is reported as local, and either way the connection keeps serving.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { startEchoServer } from './echo-server.js';
import type { EchoReply, EchoRequest, EchoServer } from './echo-server.js';
import { OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, TRANSFER_WAIT_MS, echoMethod, echoService, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';
import { GRPC_OK_HEADERS, readBody, startRawServer } from './raw-server.js';

const unary = echoMethod('Unary');
/** One past 64 KiB - 1, node:http2's default maxSendHeaderBlockLength. */
const BIG_METADATA_BYTES = 70_000;
const SERVER_LIMIT = 4 * 1024 * 1024;
const BIG_REQUEST_TEXT = 'z'.repeat(16 * 1024 * 1024);
/** Calls after the failing one, on the same client. */
const LATER_CALLS = 3;

interface Outcome { code: number; message: string; text: string }
interface UnaryClient { call(request: Partial<EchoRequest>, metadata?: Record<string, string>): Promise<Outcome>; close(): Promise<void> }

function ours(address: string, http2?: ConstructorParameters<typeof GrpcClient>[1]): UnaryClient {
  const client = new GrpcClient(address, http2);
  const stub = client.getService<EchoStub>(echoService);
  return {
    async call(request, metadata) {
      try {
        const reply = await stub.Unary.promise(request, { metadata, timeout: TRANSFER_WAIT_MS });
        return { code: Status.OK, message: '', text: reply.text };
      } catch (err) {
        if (!(err instanceof GrpcError)) throw err;
        return { code: err.code, message: err.message, text: '' };
      }
    },
    close: () => client.close({ force: true }),
  };
}

function grpcJs(address: string): UnaryClient {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    call: (request, metadata) => new Promise((resolve) => {
      const md = new grpc.Metadata();
      for (const [key, value] of Object.entries(metadata ?? {})) md.set(key, value);
      client.makeUnaryRequest(unary.path, (v: Partial<EchoRequest>) => unary.serializeRequest(v),
        (b: Buffer) => unary.deserializeResponse(b) as EchoReply, request, md, { deadline: Date.now() + TRANSFER_WAIT_MS },
        (err, reply) => resolve(err === null
          ? { code: Status.OK, message: '', text: reply?.text ?? '' }
          : { code: err.code, message: err.details, text: '' }));
    }),
    close: async () => client.close(),
  };
}

const clients = [{ name: 'ours', make: (address: string) => ours(address) }, { name: 'grpc-js', make: grpcJs }];

async function assertKeepsServing(client: UnaryClient): Promise<void> {
  for (let i = 0; i < LATER_CALLS; i++) {
    const outcome = await within(OUTCOME_WAIT_MS, client.call({ text: `later-${i}` }), 'later call');
    assert.deepEqual(outcome, { code: Status.OK, message: '', text: `later-${i}` });
  }
}

describe('metadata over 64 KiB', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: EchoServer;
  before(async () => { server = await startEchoServer(); });
  after(() => server.stop());

  for (const { name, make } of clients) {
    it(`client=${name}: goes out and is answered; the connection keeps serving`, async () => {
      const client = make(server.address);
      try {
        const outcome = await within(OUTCOME_WAIT_MS,
          client.call({ text: 'big', mode: 'echo-metadata' }, { 'x-big': 'a'.repeat(BIG_METADATA_BYTES) }), 'call');
        assert.equal(Status[outcome.code], Status[Status.OK]);
        assert.ok(outcome.text.includes(`x-big=${'a'.repeat(BIG_METADATA_BYTES)}`));
        await assertKeepsServing(client);
      } finally {
        await client.close();
      }
    });
  }

  it('client=ours with http2.maxSendHeaderBlockLength set: refused locally as such, never sent; the connection keeps serving', async () => {
    // grpc-js has no such setting (it lifts the cap for good); node:http2's default is this one.
    const client = ours(server.address, { http2: { maxSendHeaderBlockLength: 65_535 } });
    try {
      const before = server.calls.length;
      const outcome = await within(OUTCOME_WAIT_MS, client.call({ text: 'big' }, { 'x-big': 'a'.repeat(BIG_METADATA_BYTES) }), 'call');
      assert.equal(Status[outcome.code], Status[Status.RESOURCE_EXHAUSTED]);
      assert.match(outcome.message, /^Request headers not sent: node:http2 refused the header block/);
      assert.equal(server.calls.length, before, 'the server saw no call');
      await assertKeepsServing(client);
    } finally {
      await client.close();
    }
  });
});

describe('a 16 MiB request to a server with a 4 MiB receive limit', { timeout: SUITE_TIMEOUT_MS }, () => {
  const servers = [
    {
      name: 'grpc-js',
      start: async () => {
        const server = await startEchoServer(0, { 'grpc.max_receive_message_length': SERVER_LIMIT });
        return { address: server.address, stop: () => server.stop() };
      },
    },
    {
      name: 'ours',
      start: async () => {
        const server = new GrpcServer({ maxReceiveMessageLength: SERVER_LIMIT });
        server.addMethod(unary, (request: EchoRequest) => ({ text: request.text }));
        const port = await server.listen('127.0.0.1:0');
        return { address: `127.0.0.1:${port}`, stop: () => server.close({ force: true }) };
      },
    },
  ];
  for (const entry of servers) {
    for (const { name, make } of clients) {
      it(`server=${entry.name} client=${name}: ends with the server's RESOURCE_EXHAUSTED; the connection keeps serving`, async () => {
        const server = await entry.start();
        const client = make(server.address);
        try {
          // Within the call's own deadline: a client that waited for it would end DEADLINE_EXCEEDED instead.
          const outcome = await within(TRANSFER_WAIT_MS + OUTCOME_WAIT_MS, client.call({ text: BIG_REQUEST_TEXT }), 'call');
          assert.equal(Status[outcome.code], Status[Status.RESOURCE_EXHAUSTED]);
          assert.match(outcome.message, /^Received message larger than max \(16777221 vs\.? 4194304\)$/);
          await assertKeepsServing(client);
        } finally {
          await client.close();
          await server.stop();
        }
      });
    }
  }

  it('client=ours against a server that answers before reading: ends with its status, the queued request is dropped', async () => {
    const server = await startRawServer();
    const client = ours(server.address);
    try {
      let streams = 0;
      let firstClosed: Promise<number | undefined> | undefined;
      server.handle(async (stream) => {
        // The first call is answered at once, its body left unread; later ones are read and echoed.
        if (streams++ === 0) {
          firstClosed = new Promise((resolve) => stream.on('close', () => resolve(stream.rstCode)));
          stream.respond({ ...GRPC_OK_HEADERS, 'grpc-status': String(Status.RESOURCE_EXHAUSTED), 'grpc-message': 'too big' }, { endStream: true });
          return;
        }
        const body = await readBody(stream);
        const text = (unary.deserializeRequest(body.subarray(5)) as EchoRequest).text;
        stream.respond(GRPC_OK_HEADERS, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(encodeFrame(unary.serializeResponse({ text }), false));
      });
      const outcome = await within(TRANSFER_WAIT_MS, client.call({ text: BIG_REQUEST_TEXT }), 'call');
      assert.deepEqual(outcome, { code: Status.RESOURCE_EXHAUSTED, message: 'too big', text: '' });
      // The stream ends (node:http2 resets it NO_ERROR): the 16 MiB still queued are not held behind a closed window.
      assert.equal(await within(OUTCOME_WAIT_MS, firstClosed!, 'first stream closed'), 0);
      await assertKeepsServing(client);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});
