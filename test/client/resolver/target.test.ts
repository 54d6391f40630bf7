// Target strings as grpc-js reads them: scheme or bare host:port, endpoint forms, and the :authority they give.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasResolver } from '../../../lib/client/resolver/resolver.js';
import { defaultAuthority, parseHostPort, parseIpList, parseTarget } from '../../../lib/client/resolver/target.js';

describe('parseTarget', () => {
  const cases: [string, { scheme: string; authority: string; endpoint: string; bare: boolean }, string][] = [
    ['localhost:50051', { scheme: 'dns', authority: '', endpoint: 'localhost:50051', bare: true }, 'localhost:50051'],
    ['127.0.0.1:50051', { scheme: 'dns', authority: '', endpoint: '127.0.0.1:50051', bare: true }, '127.0.0.1:50051'],
    ['[::1]:50051', { scheme: 'dns', authority: '', endpoint: '[::1]:50051', bare: true }, '[::1]:50051'],
    ['dns:///svc.ns:50051', { scheme: 'dns', authority: '', endpoint: 'svc.ns:50051', bare: false }, 'svc.ns:50051'],
    ['dns://8.8.8.8/svc:1', { scheme: 'dns', authority: '8.8.8.8', endpoint: 'svc:1', bare: false }, 'svc:1'],
    ['dns:svc:1', { scheme: 'dns', authority: '', endpoint: 'svc:1', bare: false }, 'svc:1'],
    ['DNS:///svc:1', { scheme: 'dns', authority: '', endpoint: 'svc:1', bare: false }, 'svc:1'],
    ['ipv4:127.0.0.1:1,127.0.0.2:2', { scheme: 'ipv4', authority: '', endpoint: '127.0.0.1:1,127.0.0.2:2', bare: false }, 'localhost'],
    ['ipv6:[::1]:1', { scheme: 'ipv6', authority: '', endpoint: '[::1]:1', bare: false }, 'localhost'],
    ['unix:/tmp/a.sock', { scheme: 'unix', authority: '', endpoint: '/tmp/a.sock', bare: false }, 'localhost'],
    ['unix:///tmp/a.sock', { scheme: 'unix', authority: '', endpoint: '/tmp/a.sock', bare: false }, 'localhost'],
    ['unix:rel.sock', { scheme: 'unix', authority: '', endpoint: 'rel.sock', bare: false }, 'localhost'],
    ['nosuchscheme:///x', { scheme: 'dns', authority: '', endpoint: 'nosuchscheme:///x', bare: true }, 'nosuchscheme:///x'],
  ];
  for (const [target, expected, authority] of cases) {
    it(`${target} -> ${expected.scheme} '${expected.endpoint}', authority ${authority}`, () => {
      const parsed = parseTarget(target, hasResolver);
      assert.deepEqual(parsed, expected);
      assert.equal(defaultAuthority(parsed), authority);
    });
  }

  for (const bad of ['', 'has space:1']) {
    it(`'${bad}' is a TypeError`, () => assert.throws(() => parseTarget(bad, hasResolver), TypeError));
  }
});

describe('parseHostPort', () => {
  const cases: [string, number | undefined, { host: string; port: number } | undefined][] = [
    ['localhost:80', undefined, { host: 'localhost', port: 80 }],
    ['localhost', 443, { host: 'localhost', port: 443 }],
    ['localhost', undefined, undefined],
    ['[::1]:9', undefined, { host: '::1', port: 9 }],
    ['[::1]', 443, { host: '::1', port: 443 }],
    ['::1', 443, { host: '::1', port: 443 }],
    ['[nothex]:9', undefined, undefined],
    ['host:70000', undefined, undefined],
    ['a/b:1', undefined, undefined],
    ['host:', undefined, undefined],
  ];
  for (const [endpoint, defaultPort, expected] of cases) {
    it(`'${endpoint}' (default ${defaultPort}) -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseHostPort(endpoint, defaultPort), expected);
    });
  }
});

describe('parseIpList', () => {
  it('reads every address of the list with its port', () => {
    assert.deepEqual(parseIpList('ipv4', '127.0.0.1:1,127.0.0.2:2'), [{ host: '127.0.0.1', port: 1 }, { host: '127.0.0.2', port: 2 }]);
    assert.deepEqual(parseIpList('ipv6', '[::1]:3,[fe80::1]:4'), [{ host: '::1', port: 3 }, { host: 'fe80::1', port: 4 }]);
  });
  for (const [scheme, endpoint] of [['ipv4', 'localhost:1'], ['ipv4', '[::1]:1'], ['ipv6', '127.0.0.1:1'], ['ipv4', '127.0.0.1:1,']] as const) {
    it(`${scheme}:${endpoint} is a TypeError`, () => assert.throws(() => parseIpList(scheme, endpoint), TypeError));
  }
});
