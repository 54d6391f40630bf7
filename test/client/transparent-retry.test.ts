// A stream the server refuses (RST_STREAM REFUSED_STREAM before any response headers) never reached a handler: the
// call goes out once more, transparently, as grpc-js's retrying call does; a second refusal ends it UNAVAILABLE.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import type { ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { EchoReply, EchoRequest } from './echo-server.js';
import { OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, collect, echoMethod, echoService, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';
import { GRPC_OK_HEADERS, readBody, startRawServer } from './raw-server.js';
import type { RawServer } from './raw-server.js';

type Shape = 'Unary' | 'ServerStream';
interface Outcome { code: number; message: string; texts: string[] }
type Call = (shape: Shape, text: string) => Promise<Outcome>;

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
  return {
    call: (shape, text) => settle(shape === 'Unary'
      ? stub.Unary.promise({ text }, { timeout: OUTCOME_WAIT_MS }).then((r) => [r])
      : collect(stub.ServerStream({ text }, { timeout: OUTCOME_WAIT_MS }))),
    close: () => client.close({ force: true }),
  };
}

function grpcJs(address: string): { call: Call; close(): Promise<void> } {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    call: (shape, text) => new Promise((resolve) => {
      const method = echoMethod(shape);
      const serialize = (value: Partial<EchoRequest>): Buffer => method.serializeRequest(value);
      const deserialize = (bytes: Buffer): EchoReply => method.deserializeResponse(bytes) as EchoReply;
      const options = { deadline: Date.now() + OUTCOME_WAIT_MS };
      const texts: string[] = [];
      const done = (err: grpc.ServiceError | null): void =>
        resolve(err === null ? { code: Status.OK, message: '', texts } : { code: err.code, message: err.details, texts: [] });
      if (shape === 'Unary') {
        client.makeUnaryRequest(method.path, serialize, deserialize, { text }, new grpc.Metadata(), options, (err, reply) => {
          if (reply !== undefined) texts.push(reply.text);
          done(err);
        });
        return;
      }
      const call = client.makeServerStreamRequest(method.path, serialize, deserialize, { text }, new grpc.Metadata(), options);
      call.on('data', (reply: EchoReply) => texts.push(reply.text));
      call.on('error', done);
      call.on('end', () => done(null));
    }),
    close: async () => client.close(),
  };
}

/** What the server saw: streams opened, and the request texts its answering handler read. */
interface Seen { streams: number; handled: string[] }

/** Refuses the first `refusals` streams; answers the others with the request's text, read from the body. */
function refuseThenAnswer(server: RawServer, shape: Shape, refusals: number, refuse: (s: ServerHttp2Stream) => void): Seen {
  const seen: Seen = { streams: 0, handled: [] };
  const method = echoMethod(shape);
  server.handle(async (stream) => {
    if (seen.streams++ < refusals) return refuse(stream);
    const body = await readBody(stream);
    const text = (method.deserializeRequest(body.subarray(5)) as EchoRequest).text;
    seen.handled.push(text);
    stream.respond(GRPC_OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(encodeFrame(method.serializeResponse({ text: `re:${text}` }), false));
  });
  return seen;
}

const refuseAtOnce = (stream: ServerHttp2Stream): void => stream.close(constants.NGHTTP2_REFUSED_STREAM);
describe('transparent retry of a refused stream', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: RawServer;
  before(async () => { server = await startRawServer(); });
  after(() => server.stop());

  for (const { name, make } of [{ name: 'ours', make: ours }, { name: 'grpc-js', make: grpcJs }]) {
    for (const shape of ['Unary', 'ServerStream'] as const) {
      it(`client=${name} > ${shape}: refused once, sent again and answered; one handler saw it once`, async () => {
        const client = make(server.address);
        try {
          const seen = refuseThenAnswer(server, shape, 1, refuseAtOnce);
          const outcome = await within(OUTCOME_WAIT_MS, client.call(shape, 'once'), 'call');
          assert.deepEqual(outcome, { code: Status.OK, message: '', texts: ['re:once'] });
          assert.equal(seen.streams, 2);
          assert.deepEqual(seen.handled, ['once']);
          // The connection keeps serving, and the next call has a retry of its own.
          const next = refuseThenAnswer(server, shape, 1, refuseAtOnce);
          assert.equal((await within(OUTCOME_WAIT_MS, client.call(shape, 'next'), 'next call')).code, Status.OK);
          assert.deepEqual(next.handled, ['next']);
        } finally {
          await client.close();
        }
      });

      it(`client=${name} > ${shape}: refused twice, UNAVAILABLE 'Stream refused by server'`, async () => {
        const client = make(server.address);
        try {
          const seen = refuseThenAnswer(server, shape, 2, refuseAtOnce);
          const outcome = await within(OUTCOME_WAIT_MS, client.call(shape, 'twice'), 'call');
          assert.equal(Status[outcome.code], Status[Status.UNAVAILABLE]);
          assert.equal(outcome.message, 'Stream refused by server');
          assert.equal(seen.streams, 2);
          assert.deepEqual(seen.handled, []);
        } finally {
          await client.close();
        }
      });
    }
  }
});
