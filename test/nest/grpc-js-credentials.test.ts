// grpc-js credentials objects read as our tls options, case by case (calls over them: test/nest/server/ecosystem.test.ts).
import grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { checkServerIdentity, createSecureContext } from 'node:tls';
import { describe, it } from 'node:test';
import { tlsOfChannelCredentials, tlsOfServerCredentials } from '../../lib/nest/grpc-js-credentials.js';
import { CLIENT_CERT, CLIENT_KEY, SERVER_CERT, SERVER_KEY, TEST_CA } from '../fixtures/tls.js';

const pair = [{ private_key: SERVER_KEY, cert_chain: SERVER_CERT }];

describe('tlsOfServerCredentials', () => {
  const cases: Array<[string, grpc.ServerCredentials, Record<string, unknown> | undefined]> = [
    ['createInsecure(): plaintext', grpc.ServerCredentials.createInsecure(), undefined],
    ['createSsl(null, pairs): the key pairs', grpc.ServerCredentials.createSsl(null, pair), { requestCert: false, key: [SERVER_KEY], cert: [SERVER_CERT] }],
    ['createSsl(ca, pairs, true): mutual TLS', grpc.ServerCredentials.createSsl(TEST_CA, pair, true), { requestCert: true, ca: TEST_CA, key: [SERVER_KEY], cert: [SERVER_CERT] }],
  ];
  for (const [name, credentials, expected] of cases) {
    it(name, () => {
      const tls = tlsOfServerCredentials(credentials);
      if (expected === undefined) assert.equal(tls, undefined);
      else for (const [key, value] of Object.entries(expected)) assert.deepEqual((tls as Record<string, unknown>)[key], value, key);
    });
  }

  it('refuses certificate-provider credentials and what is not grpc-js credentials', () => {
    const provider = new grpc.experimental.FileWatcherCertificateProvider({ caCertificateFile: 'ca.pem', refreshIntervalMs: 60_000 });
    const watched = grpc.experimental.createCertificateProviderServerCredentials(provider, null, false);
    assert.throws(() => tlsOfServerCredentials(watched), /takes ServerCredentials.createSsl\(\) credentials, got CertificateProviderServerCredentials/);
    assert.throws(() => tlsOfServerCredentials({ key: SERVER_KEY }), /takes a grpc-js ServerCredentials object, got Object/);
    assert.throws(() => tlsOfServerCredentials(Object.create(null)), /got object/);
  });
});

describe('tlsOfChannelCredentials', () => {
  it('createInsecure(): plaintext', () => {
    assert.equal(tlsOfChannelCredentials(grpc.credentials.createInsecure()), undefined);
  });

  it('createSsl(ca, key, cert, verify): its secure context and verify options', () => {
    const verify = (host: string, cert: Parameters<typeof checkServerIdentity>[1]): Error | undefined => checkServerIdentity(host, cert);
    const tls = tlsOfChannelCredentials(grpc.credentials.createSsl(TEST_CA, CLIENT_KEY, CLIENT_CERT, { checkServerIdentity: verify, rejectUnauthorized: false }));
    assert.ok(tls?.secureContext !== undefined);
    assert.equal(tls.checkServerIdentity, verify);
    assert.equal(tls.rejectUnauthorized, false);
  });

  it('createFromSecureContext(context): that context', () => {
    const context = createSecureContext({ ca: TEST_CA });
    assert.deepEqual(tlsOfChannelCredentials(grpc.credentials.createFromSecureContext(context)), { secureContext: context });
  });

  it('refuses call credentials and what is not grpc-js credentials', () => {
    const composed = grpc.credentials.combineChannelCredentials(grpc.credentials.createSsl(TEST_CA),
      grpc.credentials.createFromMetadataGenerator((_options, callback) => callback(null, new grpc.Metadata())));
    assert.throws(() => tlsOfChannelCredentials(composed), /without call credentials/);
    assert.throws(() => tlsOfChannelCredentials(true), /takes a grpc-js ChannelCredentials object, got boolean/);
  });
});
