// A stream the server refuses (RST_STREAM REFUSED_STREAM before any response headers) never reached a handler: the
// call goes out once more, request messages replayed, as grpc-js's retrying call does; a second refusal ends it
// UNAVAILABLE, and a call with more request bytes than grpc-js keeps (1 MiB) is not sent again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import type { ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { encodeFrame, FrameDecoder } from '../../lib/protocol/framing.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { EchoReply, EchoRequest } from './echo-server.js';
import { OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, collect, echoMethod, echoService, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';
import { GRPC_OK_HEADERS, readBody, startRawServer } from './raw-server.js';
import type { RawServer } from './raw-server.js';

type Shape = 'Unary' | 'ClientStream' | 'ServerStream' | 'Bidi';
interface Outcome { code: number; message: string; texts: string[] }
/** Sends `texts` (one request message each; unary-request shapes send the first) and collects the reply texts. */
type Call = (shape: Shape, texts: string[]) => Promise<Outcome>;
const SHAPES: readonly Shape[] = ['Unary', 'ClientStream', 'ServerStream', 'Bidi'];
/** Over grpc-js's per-call retry buffer of 1 MiB. */
const OVER_RETRY_BUFFER = 'b'.repeat(1024 * 1024 + 1);

function ours(address: string): { call: Call; close(): Promise<void> } {
  const client = new GrpcClient(address);
  const stub = client.getService<EchoStub>(echoService);
  const settle = async (replies: Promise<EchoReply[]>): Promise<Outcome> => {
    try {
      return { code: Status.OK, message: '', texts: (await replies).map((r) => r.text) };
    } catch (err) {
      if (!(err instanceof GrpcError)) throw err;
      return { code: err.code, message: err.message, texts: [] };
    }
  };
  const options = (): { timeout: number } => ({ timeout: OUTCOME_WAIT_MS });
  return {
    call: (shape, texts) => {
      const requests = texts.map((text) => ({ text }));
      switch (shape) {
        case 'Unary': return settle(stub.Unary.promise(requests[0]!, options()).then((r) => [r]));
        case 'ClientStream': return settle(stub.ClientStream.promise(requests, options()).then((r) => [r]));
        case 'ServerStream': return settle(collect(stub.ServerStream(requests[0]!, options())));
        case 'Bidi': return settle(collect(stub.Bidi(requests, options())));
      }
    },
    close: () => client.close({ force: true }),
  };
}

function grpcJs(address: string): { call: Call; close(): Promise<void> } {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    call: (shape, sent) => new Promise((resolve) => {
      const method = echoMethod(shape);
      const serialize = (value: Partial<EchoRequest>): Buffer => method.serializeRequest(value);
      const deserialize = (bytes: Buffer): EchoReply => method.deserializeResponse(bytes) as EchoReply;
      const options = { deadline: Date.now() + OUTCOME_WAIT_MS };
      const md = new grpc.Metadata();
      const texts: string[] = [];
      const done = (err: grpc.ServiceError | null): void =>
        resolve(err === null ? { code: Status.OK, message: '', texts } : { code: err.code, message: err.details, texts: [] });
      const single = (err: grpc.ServiceError | null, reply?: EchoReply): void => {
        if (reply !== undefined) texts.push(reply.text);
        done(err);
      };
      const writeAll = (call: grpc.ClientWritableStream<Partial<EchoRequest>>): void => {
        for (const text of sent) call.write({ text });
        call.end();
      };
      if (shape === 'Unary') return void client.makeUnaryRequest(method.path, serialize, deserialize, { text: sent[0] }, md, options, single);
      if (shape === 'ClientStream') return writeAll(client.makeClientStreamRequest(method.path, serialize, deserialize, md, options, single));
      const call = shape === 'ServerStream'
        ? client.makeServerStreamRequest(method.path, serialize, deserialize, { text: sent[0] }, md, options)
        : client.makeBidiStreamRequest(method.path, serialize, deserialize, md, options);
      if (shape === 'Bidi') writeAll(call as grpc.ClientDuplexStream<Partial<EchoRequest>, EchoReply>);
      call.on('data', (reply: EchoReply) => texts.push(reply.text));
      call.on('error', done);
      call.on('end', () => done(null));
    }),
    close: async () => client.close(),
  };
}

/** What the server saw: streams opened, and the request texts of each call its answering handler read. */
interface Seen { streams: number; handled: string[][] }

/**
 * Refuses the first `refusals` streams; reads the others to the end and answers 're:<text>' per request message
 * (response streams) or once with the texts joined (unary responses).
 */
function refuseThenAnswer(server: RawServer, shape: Shape, refusals: number, refuse: (s: ServerHttp2Stream) => void): Seen {
  const seen: Seen = { streams: 0, handled: [] };
  const method = echoMethod(shape);
  const reply = (text: string): Buffer => encodeFrame(method.serializeResponse({ text: `re:${text}` }), false);
  server.handle(async (stream) => {
    if (seen.streams++ < refusals) return refuse(stream);
    const frames = new FrameDecoder(Infinity).push(await readBody(stream));
    if (!Array.isArray(frames)) throw frames;
    const texts = frames.map((frame) => (method.deserializeRequest(frame.data) as EchoRequest).text);
    seen.handled.push(texts);
    stream.respond(GRPC_OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    if (method.responseStream) {
      for (const text of texts) stream.write(reply(text));
      stream.end();
    } else {
      stream.end(reply(texts.join(',')));
    }
  });
  return seen;
}

/** The reply texts `sent` gets from refuseThenAnswer's handler. */
function expectedReplies(shape: Shape, sent: string[]): string[] {
  if (shape === 'Unary' || shape === 'ServerStream') return [`re:${sent[0]}`];
  return shape === 'Bidi' ? sent.map((text) => `re:${text}`) : [`re:${sent.join(',')}`];
}

/** The request messages a shape sends of `texts`: unary requests carry the first. */
function requestTexts(shape: Shape, texts: string[]): string[] {
  return shape === 'Unary' || shape === 'ServerStream' ? texts.slice(0, 1) : texts;
}

const refuseAtOnce = (stream: ServerHttp2Stream): void => stream.close(constants.NGHTTP2_REFUSED_STREAM);
describe('transparent retry of a refused stream', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: RawServer;
  before(async () => { server = await startRawServer(); });
  after(() => server.stop());

  for (const { name, make } of [{ name: 'ours', make: ours }, { name: 'grpc-js', make: grpcJs }]) {
    for (const shape of SHAPES) {
      it(`client=${name} > ${shape}: refused once, sent again whole and answered; one handler saw it once`, async () => {
        const client = make(server.address);
        try {
          const sent = ['one', 'two', 'three'];
          const seen = refuseThenAnswer(server, shape, 1, refuseAtOnce);
          const outcome = await within(OUTCOME_WAIT_MS, client.call(shape, sent), 'call');
          assert.deepEqual(outcome, { code: Status.OK, message: '', texts: expectedReplies(shape, sent) });
          assert.equal(seen.streams, 2);
          assert.deepEqual(seen.handled, [requestTexts(shape, sent)]);
          // The connection keeps serving, and the next call has a retry of its own.
          const next = refuseThenAnswer(server, shape, 1, refuseAtOnce);
          assert.equal((await within(OUTCOME_WAIT_MS, client.call(shape, ['next']), 'next call')).code, Status.OK);
          assert.deepEqual(next.handled, [['next']]);
        } finally {
          await client.close();
        }
      });

      it(`client=${name} > ${shape}: refused twice, UNAVAILABLE 'Stream refused by server'`, async () => {
        const client = make(server.address);
        try {
          const seen = refuseThenAnswer(server, shape, 2, refuseAtOnce);
          const outcome = await within(OUTCOME_WAIT_MS, client.call(shape, ['twice']), 'call');
          assert.equal(Status[outcome.code], Status[Status.UNAVAILABLE]);
          assert.equal(outcome.message, 'Stream refused by server');
          assert.equal(seen.streams, 2);
          assert.deepEqual(seen.handled, []);
        } finally {
          await client.close();
        }
      });

      it(`client=${name} > ${shape}: over 1 MiB of request sent, a refusal is final`, async () => {
        const client = make(server.address);
        try {
          const seen = refuseThenAnswer(server, shape, 1, refuseAtOnce);
          const outcome = await within(OUTCOME_WAIT_MS, client.call(shape, [OVER_RETRY_BUFFER]), 'call');
          assert.equal(Status[outcome.code], Status[Status.UNAVAILABLE]);
          assert.equal(outcome.message, 'Stream refused by server');
          assert.equal(seen.streams, 1);
        } finally {
          await client.close();
        }
      });
    }
  }

  it('client=ours > ClientStream from an async iterable: messages pulled after the refusal go on the new stream', async () => {
    const client = new GrpcClient(server.address);
    try {
      const seen = refuseThenAnswer(server, 'ClientStream', 1, refuseAtOnce);
      let refusedSeen!: () => void;
      const refused = new Promise<void>((resolve) => { refusedSeen = resolve; });
      async function* requests(): AsyncGenerator<Partial<EchoRequest>> {
        yield { text: 'before' };
        // The second message is produced only once the first stream is gone.
        await refused;
        yield { text: 'after' };
      }
      const stub = client.getService<EchoStub>(echoService);
      const reply = stub.ClientStream.promise(requests(), { timeout: OUTCOME_WAIT_MS });
      while (seen.streams < 2) await new Promise((resolve) => setImmediate(resolve));
      refusedSeen();
      assert.equal((await within(OUTCOME_WAIT_MS, reply, 'call')).text, 're:before,after');
      assert.deepEqual(seen.handled, [['before', 'after']]);
    } finally {
      await client.close({ force: true });
    }
  });
});
