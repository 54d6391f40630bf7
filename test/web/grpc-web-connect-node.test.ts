// connect-node's gRPC-Web transport (2.3.0) against GrpcServer with `web: true`, over HTTP/2 and HTTP/1.1 on the
// gRPC port: unary and server streaming, metadata both ways, errors with details, deadlines, cancellation, gzip.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Transport } from '@connectrpc/connect';
import { compressionGzip, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { OVERRIDE_HOST, serverTls, TEST_CA } from '../fixtures/tls.js';
import { echoClient, startWebServer } from './web-fixtures.js';
import type { WebHarness } from './web-fixtures.js';

for (const httpVersion of ['2', '1.1'] as const) {
  describe(`gRPC-Web, connect-node client, HTTP/${httpVersion}`, () => {
    let harness: WebHarness;
    let transport: Transport;
    before(async () => {
      harness = await startWebServer();
      transport = createGrpcWebTransport({ baseUrl: harness.baseUrl, httpVersion });
    });
    after(() => harness.close());

    it('unary: the message, request metadata in, headers and trailers out', async () => {
      const client = echoClient(transport);
      const headers: Headers[] = [];
      const trailers: Headers[] = [];
      const response = await client.unary(
        { text: 'hello', big: -9007199254740993n, blob: new Uint8Array([0, 255]) },
        { headers: { 'x-echo': 'from-client' }, onHeader: (h) => headers.push(h), onTrailer: (t) => trailers.push(t) },
      );
      assert.equal(response.text, 'hello');
      assert.equal(response.big, -9007199254740993n);
      assert.deepEqual([...response.blob], [0, 255]);
      assert.equal(response.echoedHeader, 'from-client');
      assert.equal(headers[0]?.get('x-header'), 'h');
      assert.equal(headers[0]?.get('x-header-bin'), Buffer.from([1, 2, 3]).toString('base64'));
      assert.equal(trailers[0]?.get('x-trailer'), 't');
    });

    it("the handler's peer is the client's address and port", async () => {
      await echoClient(transport).unary({ text: 'peer' });
      const peer = harness.observed.peers.at(-1) ?? '';
      assert.match(peer, /^127\.0\.0\.1:\d+$/);
      assert.notEqual(peer, `127.0.0.1:${harness.port}`, 'the client side of the connection, not the server port');
    });

    it('server streaming: every message in order, then the trailers', async () => {
      const client = echoClient(transport);
      const indexes: number[] = [];
      for await (const message of client.serverStream({ text: 's', count: 5 })) indexes.push(message.index);
      assert.deepEqual(indexes, [0, 1, 2, 3, 4]);
    });

    it('an error keeps its code, message, details and trailing metadata', async () => {
      const client = echoClient(transport);
      const error = await client.unary({ failCode: Code.NotFound }).then(() => undefined, (err: unknown) => ConnectError.from(err));
      assert.equal(error?.code, Code.NotFound);
      assert.equal(error?.rawMessage, 'failed on purpose: ünïcode');
      assert.equal(error?.details.length, 1);
      assert.equal((error?.details[0] as { desc?: unknown; type?: string }).type, 'google.rpc.ErrorInfo');
      assert.equal(error?.metadata.get('x-trailer'), 't');
    });

    it('a streaming error after messages reaches the client after them', async () => {
      const client = echoClient(transport);
      await assert.rejects(async () => {
        for await (const message of client.serverStream({ count: 2, failCode: Code.Aborted })) void message;
      }, (err: unknown) => ConnectError.from(err).code === Code.Aborted);
    });

    it('a deadline the client sets reaches the handler and ends the call DEADLINE_EXCEEDED', async () => {
      const client = echoClient(transport);
      const started = harness.observed.deadlines.length;
      const error = await client.unary({ sleepMs: 5000 }, { timeoutMs: 200 }).then(() => undefined, (err: unknown) => ConnectError.from(err));
      assert.equal(error?.code, Code.DeadlineExceeded);
      assert.equal(typeof harness.observed.deadlines[started], 'number');
    });

    it('a client that aborts cancels the handler', async () => {
      const client = echoClient(transport);
      const controller = new AbortController();
      const before = harness.observed.cancelled.length;
      const call = client.unary({ sleepMs: 5000 }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(call, (err: unknown) => ConnectError.from(err).code === Code.Canceled);
      for (let i = 0; i < 100 && harness.observed.cancelled.length === before; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(harness.observed.cancelled.length, before + 1);
    });

    it('gzip both ways', async () => {
      const gzip = createGrpcWebTransport({
        baseUrl: harness.baseUrl, httpVersion, sendCompression: compressionGzip, acceptCompression: [compressionGzip], compressMinBytes: 0,
      });
      const response = await echoClient(gzip).unary({ text: 'z'.repeat(10000) });
      assert.equal(response.text.length, 10000);
    });
  });
}

describe('gRPC-Web and gRPC over plain HTTP/1.1 (fetch)', () => {
  let harness: WebHarness;
  before(async () => { harness = await startWebServer(); });
  after(() => harness.close());

  it('an unknown method is UNIMPLEMENTED, in the headers of a trailers-only answer', async () => {
    const response = await fetch(`${harness.baseUrl}/webtest.Nope/Unary`, {
      method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: new Uint8Array(5),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('grpc-status'), String(Code.Unimplemented));
  });

  it('gRPC itself over HTTP/1.1 is refused with 505 and a reason', async () => {
    const response = await fetch(`${harness.baseUrl}/webtest.Echo/Unary`, {
      method: 'POST', headers: { 'content-type': 'application/grpc' }, body: new Uint8Array(5),
    });
    assert.equal(response.status, 505);
    assert.match(await response.text(), /HTTP\/2/);
  });

  it('another content-type is 415', async () => {
    const response = await fetch(`${harness.baseUrl}/webtest.Echo/Unary`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(response.status, 415);
  });
});

describe('over TLS: ALPN picks HTTP/2 or HTTP/1.1 on the one port', () => {
  let harness: WebHarness;
  before(async () => { harness = await startWebServer({ web: true, tls: serverTls() }); });
  after(() => harness.close());

  for (const httpVersion of ['2', '1.1'] as const) {
    it(`gRPC-Web and Connect over HTTP/${httpVersion}`, async () => {
      const baseUrl = `https://localhost:${harness.port}`;
      const nodeOptions = { ca: TEST_CA, servername: OVERRIDE_HOST };
      const grpcWeb = echoClient(createGrpcWebTransport({ baseUrl, httpVersion, nodeOptions }));
      assert.equal((await grpcWeb.unary({ text: 'tls' })).text, 'tls');
      const connect = echoClient(createConnectTransport({ baseUrl, httpVersion, nodeOptions }));
      assert.equal((await connect.unary({ text: 'tls json' })).text, 'tls json');
    });
  }

  it('gRPC itself still runs over h2', async () => {
    const grpc = echoClient(createGrpcTransport({ baseUrl: `https://localhost:${harness.port}`, nodeOptions: { ca: TEST_CA, servername: OVERRIDE_HOST } }));
    assert.equal((await grpc.unary({ text: 'h2' })).text, 'h2');
  });
});
