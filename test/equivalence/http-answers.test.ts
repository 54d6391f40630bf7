// A non-gRPC HTTP answer (a proxy's 404, 502, 503 with no grpc-status) maps by PROTOCOL-HTTP2's HTTP-to-gRPC
// table, alike for every client kind: a raw node:http2 server plays the proxy; grpc-status, when sent, wins.
import assert from 'node:assert/strict';
import { createServer } from 'node:http2';
import type { Http2Server, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { clients } from './clients.js';
import type { ExampleClient } from './example-client.js';
import { failureOf, TEST_TIMEOUT } from './matrix.js';

const UNKNOWN = 2;
const INTERNAL = 13;
const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;
const PERMISSION_DENIED = 7;
const RESOURCE_EXHAUSTED = 8;

interface Answer {
  readonly name: string;
  respond(stream: ServerHttp2Stream): void;
  readonly code: number;
  readonly message: string;
}

const plain = (status: number, body: boolean): (stream: ServerHttp2Stream) => void => (stream) => {
  if (!body) return stream.respond({ ':status': status }, { endStream: true });
  stream.respond({ ':status': status, 'content-type': 'text/html' });
  stream.end(`<html><body>${status}</body></html>`);
};

// The spec's table: 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED,
// 429/502/503/504 UNAVAILABLE, anything else UNKNOWN.
const TABLE: ReadonlyArray<[number, number]> = [
  [400, INTERNAL], [401, UNAUTHENTICATED], [403, PERMISSION_DENIED], [404, UNIMPLEMENTED], [429, UNAVAILABLE],
  [500, UNKNOWN], [502, UNAVAILABLE], [503, UNAVAILABLE], [504, UNAVAILABLE],
];

const ANSWERS: readonly Answer[] = [
  ...TABLE.flatMap(([status, code]) => [true, false].map((body) => ({
    name: `HTTP ${status} ${body ? 'with an HTML body' : 'without a body'}`,
    respond: plain(status, body), code, message: `Received HTTP status code ${status}`,
  }))),
  {
    name: 'HTTP 503 with grpc-status 8 in a trailers-only answer',
    respond: (stream) => stream.respond(
      { ':status': 503, 'content-type': 'application/grpc', 'grpc-status': '8', 'grpc-message': 'slow down' }, { endStream: true }),
    code: RESOURCE_EXHAUSTED,
    message: 'slow down',
  },
];

describe('non-gRPC HTTP answers', () => {
  let server: Http2Server;
  let address = '';
  before(async () => {
    server = createServer();
    server.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      const answer = ANSWERS[Number(headers['x-answer'])];
      if (answer === undefined) stream.respond({ ':status': 500 }, { endStream: true });
      else answer.respond(stream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const kind of clients) {
    describe(`client=${kind.name}`, () => {
      let client: ExampleClient;
      before(() => { client = kind.create(address); });
      after(() => client.close());

      ANSWERS.forEach((answer, index) => {
        it(`${answer.name}: ${answer.code}`, TEST_TIMEOUT, async () => {
          const failure = await failureOf(client.unary('unary_unary', { value: 'x' }, { metadata: { 'x-answer': [String(index)] } }));
          assert.deepEqual({ code: failure.code, message: failure.message }, { code: answer.code, message: answer.message });
          assert.equal(failure.status, undefined);
        });
      });
    });
  }
});
