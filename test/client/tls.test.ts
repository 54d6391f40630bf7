// GrpcClient's tls option against a grpc-js TLS server: what `true` trusts, the servername override (grpc-js's
// grpc.ssl_target_name_override) and a name the certificate lacks. (Every direction: test/equivalence/tls.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import type { ClientOptions } from '../../lib/client/grpc-client.js';
import { Status } from '../../lib/protocol/status.js';
import { OVERRIDE_HOST, TEST_CA } from '../fixtures/tls.js';
import { startEchoServer } from './echo-server.js';
import type { EchoServer } from './echo-server.js';
import { OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, echoService, grpcErrorOf, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';

describe('GrpcClient with tls', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: EchoServer;
  const clients: GrpcClient[] = [];
  const stubOf = (options: ClientOptions, address = server.address): EchoStub => {
    const client = new GrpcClient(address, options);
    clients.push(client);
    return client.getService<EchoStub>(echoService);
  };

  before(async () => { server = await startEchoServer(0, {}, 'tls'); });
  after(async () => {
    await Promise.all(clients.map((client) => client.close({ force: true })));
    await server.stop();
  });

  it('connects by IP and by name when the certificate names them', async () => {
    assert.equal((await stubOf({ tls: { ca: TEST_CA } }).Unary.promise({ text: 'ip' })).text, 'ip');
    assert.equal((await stubOf({ tls: { ca: TEST_CA } }, `localhost:${server.port}`).Unary.promise({ text: 'name' })).text, 'name');
  });

  it('servername overrides the name checked and sent by SNI, as grpc.ssl_target_name_override', async () => {
    const stub = stubOf({ tls: { ca: TEST_CA, servername: OVERRIDE_HOST } });
    assert.equal((await stub.Unary.promise({ text: 'override' })).text, 'override');
  });

  it('a name the certificate lacks is UNAVAILABLE, naming the mismatch', async () => {
    const err = await within(OUTCOME_WAIT_MS, grpcErrorOf(stubOf({ tls: { ca: TEST_CA, servername: 'foo.example.com' } }).Unary.promise({ text: 'x' })));
    assert.equal(err.code, Status.UNAVAILABLE);
    assert.match(err.message, /^No connection established\. TLS failed: Hostname\/IP does not match certificate's altnames: Host: foo\.example\.com\..*\(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
  });

  it('tls: true trusts only the system CAs, so a test-CA certificate is UNAVAILABLE', async () => {
    const err = await within(OUTCOME_WAIT_MS, grpcErrorOf(stubOf({ tls: true }).Unary.promise({ text: 'x' })));
    assert.equal(err.code, Status.UNAVAILABLE);
    assert.match(err.message, /TLS failed: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  });
});
