// GrpcServer's tls option seen from the server: the peer certificate a handler gets, h2-only ALPN, and refused
// handshakes that leave no connection behind. (Calls in every direction over TLS: test/equivalence/tls.test.ts.)
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, describe, it } from 'node:test';
import type { ServerHandler } from '../../lib/server/call-context.js';
import { serverTls, TEST_CA } from '../fixtures/tls.js';
import { callUnary, delay, startHarness } from './fixtures.js';
import type { Harness } from './fixtures.js';

const TIMEOUT = { timeout: 10_000 };
const UNAVAILABLE = 14;

// Unary answers with the client certificate's common name as the handler sees it.
const handlers: Record<string, ServerHandler> = {
  Unary: (_request, context) => ({ text: String(context.peerCertificate?.subject.CN ?? 'none') }),
};

/** The server's open connections, once they have settled (each handshake outcome lands within a few ms). */
async function openConnections(harness: Harness): Promise<number> {
  const server = harness.server.http2Server!;
  for (let attempt = 0; attempt < 50; attempt++) {
    const count = await new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    if (count === 0) return 0;
    await delay(20);
  }
  return new Promise<number>((resolve) => server.getConnections((_err, n) => resolve(n)));
}

describe('GrpcServer with tls', () => {
  const harnesses: Harness[] = [];
  after(() => Promise.all(harnesses.map((harness) => harness.close())));
  const start = async (...args: Parameters<typeof startHarness>): Promise<Harness> => {
    const harness = await startHarness(...args);
    harnesses.push(harness);
    return harness;
  };

  it('context.peerCertificate is the client certificate under mutual TLS', TIMEOUT, async () => {
    const harness = await start(handlers, { tls: serverTls('mutual') }, 'test-ca+certificate');
    assert.equal((await callUnary(harness.client, {})).response?.text, 'test-client');
  });

  it('context.peerCertificate is undefined when the client sent none, and over plaintext', TIMEOUT, async () => {
    const tls = await start(handlers, { tls: serverTls() }, 'test-ca');
    assert.equal((await callUnary(tls.client, {})).response?.text, 'none');
    const plaintext = await start(handlers);
    assert.equal((await callUnary(plaintext.client, {})).response?.text, 'none');
  });

  it('refused handshakes leave no connection open and the server closes gracefully at once', TIMEOUT, async () => {
    const harness = await start(handlers, { tls: serverTls('mutual') }, 'test-ca');
    for (let i = 0; i < 3; i++) assert.equal((await callUnary(harness.client, {})).status.code, UNAVAILABLE);
    harness.client.close();
    assert.equal(await openConnections(harness), 0);
    await harness.server.close();
  });

  it('does not serve HTTP/1.1: a client offering only http/1.1 by ALPN is disconnected', TIMEOUT, async () => {
    const harness = await start(handlers, { tls: serverTls() });
    // node:https offers no ALPN by default; ALPNProtocols reaches tls.connect though RequestOptions does not list it.
    const options = { host: '127.0.0.1', port: harness.port, servername: 'localhost', ca: TEST_CA, ALPNProtocols: ['http/1.1'], method: 'POST', path: '/' };
    const outcome = await new Promise<string>((resolve) => {
      const req = request(options);
      req.on('response', (response) => resolve(`HTTP ${response.statusCode}`));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
    // The handshake itself fails: the server answers with the TLS alert no_application_protocol.
    assert.equal(outcome, 'EPROTO');
  });
});
