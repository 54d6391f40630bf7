// connect-node's Connect transport (2.3.0) against GrpcServer with `web: true`: protobuf and JSON, HTTP/2 and
// HTTP/1.1, unary and streaming, metadata, errors with details, deadlines, gzip; its gRPC transport alongside.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Transport } from '@connectrpc/connect';
import { compressionGzip, createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { echoClient, startWebServer } from './web-fixtures.js';
import type { ClientEchoRequest, WebHarness } from './web-fixtures.js';

async function* requests(...texts: string[]): AsyncIterable<ClientEchoRequest> {
  for (const text of texts) yield { text };
}

for (const httpVersion of ['2', '1.1'] as const) {
  for (const useBinaryFormat of [true, false]) {
    describe(`Connect, connect-node client, HTTP/${httpVersion}, ${useBinaryFormat ? 'proto' : 'JSON'}`, () => {
      let harness: WebHarness;
      let transport: Transport;
      before(async () => {
        harness = await startWebServer();
        transport = createConnectTransport({ baseUrl: harness.baseUrl, httpVersion, useBinaryFormat });
      });
      after(() => harness.close());

      it('unary: message, metadata both ways', async () => {
        const headers: Headers[] = [];
        const trailers: Headers[] = [];
        const response = await echoClient(transport).unary(
          { text: 'héllo', big: -(1n << 60n), blob: new Uint8Array([1, 2, 250]) },
          { headers: { 'x-echo': 'e' }, onHeader: (h) => headers.push(h), onTrailer: (t) => trailers.push(t) },
        );
        assert.equal(response.text, 'héllo');
        assert.equal(response.big, -(1n << 60n));
        assert.deepEqual([...response.blob], [1, 2, 250]);
        assert.equal(response.echoedHeader, 'e');
        assert.equal(headers[0]?.get('x-header'), 'h');
        assert.equal(trailers[0]?.get('x-trailer'), 't');
      });

      it('server streaming', async () => {
        const indexes: number[] = [];
        for await (const message of echoClient(transport).serverStream({ count: 3 })) indexes.push(message.index);
        assert.deepEqual(indexes, [0, 1, 2]);
      });

      it('an error: code, message, details, trailing metadata', async () => {
        const error = await echoClient(transport).unary({ failCode: Code.FailedPrecondition }).then(() => undefined, (err: unknown) => ConnectError.from(err));
        assert.equal(error?.code, Code.FailedPrecondition);
        assert.equal(error?.rawMessage, 'failed on purpose: ünïcode');
        assert.equal((error?.details[0] as { type?: string } | undefined)?.type, 'google.rpc.ErrorInfo');
        assert.equal(error?.metadata.get('x-trailer'), 't');
      });

      it('a streaming error after messages', async () => {
        const seen: number[] = [];
        const error = await (async () => {
          for await (const message of echoClient(transport).serverStream({ count: 2, failCode: Code.ResourceExhausted })) seen.push(message.index);
        })().then(() => undefined, (err: unknown) => ConnectError.from(err));
        assert.equal(error?.code, Code.ResourceExhausted);
        assert.equal(error?.metadata.get('x-trailer'), 't');
      });

      it('connect-timeout-ms becomes the handler deadline: DEADLINE_EXCEEDED', async () => {
        const count = harness.observed.deadlines.length;
        const error = await echoClient(transport).unary({ sleepMs: 5000 }, { timeoutMs: 200 }).then(() => undefined, (err: unknown) => ConnectError.from(err));
        assert.equal(error?.code, Code.DeadlineExceeded);
        assert.equal(typeof harness.observed.deadlines[count], 'number');
      });

      it('gzip both ways', async () => {
        const gzip = createConnectTransport({
          baseUrl: harness.baseUrl, httpVersion, useBinaryFormat, sendCompression: compressionGzip, acceptCompression: [compressionGzip], compressMinBytes: 0,
        });
        assert.equal((await echoClient(gzip).unary({ text: 'y'.repeat(5000) })).text.length, 5000);
        const texts: string[] = [];
        for await (const message of echoClient(gzip).serverStream({ text: 'x'.repeat(3000), count: 2 })) texts.push(message.text);
        assert.deepEqual(texts.map((text) => text.length), [3000, 3000]);
      });

      if (httpVersion === '2') {
        it('client streaming and bidi', async () => {
          const summed = await echoClient(transport).clientStream(requests('a', 'b', 'c'), { headers: { 'x-echo': 'cs' } });
          assert.equal(summed.text, 'a,b,c');
          assert.equal(summed.echoedHeader, 'cs');
          const upper: string[] = [];
          for await (const message of echoClient(transport).bidi(requests('x', 'y'))) upper.push(message.text);
          assert.deepEqual(upper, ['X', 'Y']);
        });

        it('cancellation reaches the handler', async () => {
          const controller = new AbortController();
          const count = harness.observed.cancelled.length;
          const call = echoClient(transport).unary({ sleepMs: 5000 }, { signal: controller.signal });
          setTimeout(() => controller.abort(), 100);
          await assert.rejects(call, (err: unknown) => ConnectError.from(err).code === Code.Canceled);
          for (let i = 0; i < 100 && harness.observed.cancelled.length === count; i++) await new Promise((r) => setTimeout(r, 20));
          assert.equal(harness.observed.cancelled.length, count + 1);
        });
      }
    });
  }
}

describe('gRPC, connect-node client, with the web option on', () => {
  let harness: WebHarness;
  before(async () => { harness = await startWebServer(); });
  after(() => harness.close());

  it('unary, streaming and an error as over any gRPC server', async () => {
    const client = echoClient(createGrpcTransport({ baseUrl: harness.baseUrl }));
    assert.equal((await client.unary({ text: 'g' })).text, 'g');
    const upper: string[] = [];
    for await (const message of client.bidi(requests('p', 'q'))) upper.push(message.text);
    assert.deepEqual(upper, ['P', 'Q']);
    const error = await client.unary({ failCode: Code.NotFound }).then(() => undefined, (err: unknown) => ConnectError.from(err));
    assert.equal(error?.code, Code.NotFound);
    assert.equal(error?.details.length, 1);
  });
});

describe('Connect GET, for methods marked NO_SIDE_EFFECTS', () => {
  let harness: WebHarness;
  before(async () => { harness = await startWebServer(); });
  after(() => harness.close());

  it('JSON in the query: the answer, its headers and trailers', async () => {
    const message = encodeURIComponent(JSON.stringify({ text: 'get me', big: '42' }));
    const response = await fetch(`${harness.baseUrl}/webtest.Echo/Lookup?connect=v1&encoding=json&message=${message}`, { headers: { 'x-echo': 'g' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('trailer-x-trailer'), 't');
    assert.deepEqual(await response.json(), { text: 'get me', big: '42', echoedHeader: 'g' });
  });

  it('protobuf, base64 in the query', async () => {
    // EchoRequest { text: "b64" }
    const message = Buffer.from([0x0a, 0x03, 0x62, 0x36, 0x34]).toString('base64url');
    const response = await fetch(`${harness.baseUrl}/webtest.Echo/Lookup?connect=v1&encoding=proto&base64=1&message=${message}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/proto');
    assert.deepEqual([...Buffer.from(await response.arrayBuffer()).subarray(0, 5)], [0x0a, 0x03, 0x62, 0x36, 0x34]);
  });

  it('a method not marked is not served by GET', async () => {
    const response = await fetch(`${harness.baseUrl}/webtest.Echo/Unary?connect=v1&encoding=json&message=%7B%7D`);
    assert.equal(response.status, 415);
  });

  it('an error by GET: the HTTP status and error JSON', async () => {
    const message = encodeURIComponent(JSON.stringify({ failCode: 16 }));
    const response = await fetch(`${harness.baseUrl}/webtest.Echo/Lookup?connect=v1&encoding=json&message=${message}`);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { code: string }).code, 'unauthenticated');
  });
});
