// Malformed web requests get the protocol's error and the server goes on serving: bad base64, a text body cut
// inside a quantum, a frame cut short, a message over the receive limit, a preflight for a path not served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWebServer } from './web-fixtures.js';
import type { WebHarness } from './web-fixtures.js';

function frame(length: number, body: Buffer = Buffer.alloc(length)): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(length, 1);
  return Buffer.concat([prefix, body]);
}

async function post(harness: WebHarness, contentType: string, body: Buffer | string, path = '/webtest.Echo/Unary'): Promise<Response> {
  return fetch(`${harness.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

describe('gRPC-Web bad input', () => {
  let harness: WebHarness;
  before(async () => {
    harness = await startWebServer({ web: { cors: { origins: ['http://page.test'] } }, maxReceiveMessageLength: 1024 });
  });
  after(() => harness.close());

  const cases: Array<[string, string, Buffer | string, number]> = [
    ['bad base64', 'application/grpc-web-text', 'AAAA*AAA', 13],
    ['a text body cut inside a quantum', 'application/grpc-web-text', 'AAAAAAA', 13],
    ['a frame cut short', 'application/grpc-web+proto', frame(10).subarray(0, 8), 13],
    ['a message over the receive limit', 'application/grpc-web+proto', frame(4096), 8],
  ];
  for (const [name, contentType, body, code] of cases) {
    it(`${name}: grpc-status ${code}`, async () => {
      const response = await post(harness, contentType, body);
      const status = response.headers.get('grpc-status') ?? /grpc-status: (\d+)/.exec(Buffer.from(await response.arrayBuffer()).toString('latin1'))?.[1];
      assert.equal(status, String(code));
    });
  }

  it('the server still answers afterwards', async () => {
    const response = await post(harness, 'application/grpc-web+proto', frame(0));
    const body = Buffer.from(await response.arrayBuffer()).toString('latin1');
    assert.match(body, /grpc-status: 0/);
  });

  it('a preflight for a path not served is 404, for a served one 204 with the allowed headers', async () => {
    const preflight = (path: string, origin: string) => fetch(`${harness.baseUrl}${path}`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-grpc-web' },
    });
    assert.equal((await preflight('/webtest.Nope/Unary', 'http://page.test')).status, 404);
    assert.equal((await preflight('/webtest.Echo/Unary', 'http://evil.test')).status, 403);
    const ok = await preflight('/webtest.Echo/Unary', 'http://page.test');
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://page.test');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /x-grpc-web/);
  });

  it('an actual cross-origin response exposes the gRPC headers', async () => {
    const response = await fetch(`${harness.baseUrl}/webtest.Echo/Unary`, {
      method: 'POST', headers: { 'content-type': 'application/grpc-web+proto', origin: 'http://page.test' }, body: frame(0),
    });
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://page.test');
    assert.match(response.headers.get('access-control-expose-headers') ?? '', /grpc-status, grpc-message/);
  });
});

describe('Connect bad input', () => {
  let harness: WebHarness;
  before(async () => { harness = await startWebServer({ web: true, maxReceiveMessageLength: 1024 }); });
  after(() => harness.close());

  const unary: Array<[string, string, Buffer | string, number, string]> = [
    ['JSON that does not match the message', 'application/json', '{"text": 5}', 400, 'invalid_argument'],
    ['a field the message lacks', 'application/json', '{"nope": 1}', 400, 'invalid_argument'],
    ['JSON that does not parse', 'application/json', '{"text": ', 400, 'invalid_argument'],
    ['a body over the receive limit', 'application/proto', Buffer.alloc(4096, 0x0a), 429, 'resource_exhausted'],
    ['protobuf that does not parse', 'application/proto', Buffer.from([0x0a, 0x05, 0x61]), 500, 'internal'],
  ];
  for (const [name, contentType, body, httpStatus, code] of unary) {
    it(`unary, ${name}: HTTP ${httpStatus} with code ${code}`, async () => {
      const response = await post(harness, contentType, body);
      assert.equal(response.status, httpStatus);
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.equal(((await response.json()) as { code: string }).code, code);
    });
  }

  it('an unknown method: HTTP 501 unimplemented', async () => {
    const response = await post(harness, 'application/proto', '', '/webtest.Echo/Nope');
    assert.equal(response.status, 501);
    assert.equal(((await response.json()) as { code: string }).code, 'unimplemented');
  });

  it('streaming, an envelope cut short: HTTP 200 and the error in the end-stream message', async () => {
    const response = await post(harness, 'application/connect+proto', frame(10).subarray(0, 7), '/webtest.Echo/ServerStream');
    assert.equal(response.status, 200);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(body[0], 0x02);
    const end = JSON.parse(body.subarray(5).toString()) as { error?: { code: string } };
    assert.equal(end.error?.code, 'internal');
  });

  it('a bad connect-timeout-ms is invalid_argument, not served without a deadline', async () => {
    const response = await fetch(`${harness.baseUrl}/webtest.Echo/Unary`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'connect-timeout-ms': 'soon' }, body: '{}',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { code: string }).code, 'invalid_argument');
    assert.equal(harness.observed.deadlines.length, 0);
  });
});
