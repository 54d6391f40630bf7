// The dns resolver on loopback names only: every record of `localhost`, an IP literal without a lookup, and
// re-resolution asked for many times at once made once, after the minimum interval.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import type { Address } from '../../../lib/client/resolver/address.js';
import { DnsResolver } from '../../../lib/client/resolver/dns-resolver.js';
import { parseTarget } from '../../../lib/client/resolver/target.js';
import { hasResolver } from '../../../lib/client/resolver/resolver.js';
import { sleep, within } from '../fixtures.js';

function collect(target: string, minTimeBetweenResolutionsMs: number): { resolver: DnsResolver; lists: Address[][]; next(): Promise<Address[]> } {
  const lists: Address[][] = [];
  let wake: (() => void) | undefined;
  const resolver = new DnsResolver(parseTarget(target, hasResolver), {
    onAddresses: (addresses) => { lists.push([...addresses]); wake?.(); },
    onError: (error) => assert.fail(error),
  }, { minTimeBetweenResolutionsMs });
  const next = async (): Promise<Address[]> => {
    const count = lists.length;
    while (lists.length === count) await new Promise<void>((resolve) => { wake = resolve; });
    return lists[lists.length - 1]!;
  };
  return { resolver, lists, next };
}

describe('DnsResolver', { timeout: 10_000 }, () => {
  it('reports every address of localhost, with the port', async () => {
    const expected = (await lookup('localhost', { all: true })).map((record) => ({ host: record.address, port: 50051 }));
    const { resolver, next } = collect('dns:///localhost:50051', 30_000);
    try {
      assert.deepEqual(await within(5000, next(), 'resolution'), expected);
    } finally {
      resolver.close();
    }
  });

  it('reports an IP literal as is, port 443 when none is given', async () => {
    const { resolver, next } = collect('dns:///[::1]', 30_000);
    try {
      assert.deepEqual(await within(5000, next(), 'resolution'), [{ host: '::1', port: 443 }]);
    } finally {
      resolver.close();
    }
  });

  it('many refreshes within the minimum interval resolve once more, not once each', async () => {
    const { resolver, lists, next } = collect('dns:///localhost:1', 200);
    try {
      await within(5000, next(), 'first resolution');
      for (let i = 0; i < 5; i++) resolver.refresh();
      await within(5000, next(), 'second resolution');
      await sleep(300);
      assert.equal(lists.length, 2);
    } finally {
      resolver.close();
    }
  });

  it('reports nothing after close', async () => {
    const { resolver, lists } = collect('dns:///localhost:1', 0);
    resolver.close();
    await sleep(100);
    assert.equal(lists.length, 0);
  });
});
