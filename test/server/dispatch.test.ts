// Every answer shape a handler may give, for each of the four call shapes, seen by a grpc-js client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { from, map, Observable, of, toArray } from 'rxjs';
import type { ServerHandler } from '../../lib/server/call-context.js';
import { callUnary, collectStream, startHarness, withHarness } from './fixtures.js';
import type { Harness, Item } from './fixtures.js';

const unaryAnswers: Array<[string, ServerHandler]> = [
  ['a value', (req) => ({ text: `${(req as Item).text}!` })],
  ['a Promise', async (req) => ({ text: `${(req as Item).text}!` })],
  ['an Observable (its last value)', (req) => of({ text: 'first' }, { text: `${(req as Item).text}!` })],
  ['a Promise of an Observable', async (req) => of({ text: `${(req as Item).text}!` })],
  ['an async iterable (its last value)', async function* (req) { yield { text: 'first' }; yield { text: `${(req as Item).text}!` }; }],
];

describe('unary handlers', () => {
  for (const [shape, handler] of unaryAnswers) {
    it(`answer with ${shape}`, async () => {
      await withHarness(startHarness({ Unary: handler }), async (harness) => {
        const outcome = await callUnary(harness.client, { text: 'hi' });
        assert.equal(outcome.error, undefined);
        assert.equal(outcome.response?.text, 'hi!');
      });
    });
  }

  // grpc-js's server fails to serialize undefined (INTERNAL too); a forgotten return is never an empty success.
  // (A response type without fields, google.protobuf.Empty, still takes undefined: see test/nest/server/no-silent-difference.)
  for (const answer of [undefined, null]) {
    it(`a ${String(answer)} answer is INTERNAL naming the method`, async () => {
      await withHarness(startHarness({ Unary: () => answer }), async (harness) => {
        const outcome = await callUnary(harness.client, { text: 'hi' });
        assert.equal(outcome.response, undefined);
        assert.equal(outcome.status.code, 13);
        assert.equal(outcome.status.details, `/servertest.Shapes/Unary: the handler returned ${String(answer)}, not a response message`);
      });
    });
  }

  it('an Observable that completes empty is INTERNAL', async () => {
    await withHarness(startHarness({ Unary: () => from([]) }), async (harness) => {
      const outcome = await callUnary(harness.client, { text: 'hi' });
      assert.equal(outcome.status.code, 13);
    });
  });
});

const count3 = (req: unknown): Item[] =>
  [1, 2, 3].map((count) => ({ text: (req as Item).text, count, blob: Buffer.alloc(0) }));

const streamAnswers: Array<[string, ServerHandler]> = [
  ['an array', (req) => count3(req)],
  ['a generator', function* (req) { yield* count3(req); }],
  ['an async generator', async function* (req) { for (const item of count3(req)) yield item; }],
  ['an Observable', (req) => from(count3(req))],
  ['a Promise of an Observable', async (req) => from(count3(req))],
];

describe('server-streaming handlers', () => {
  for (const [shape, handler] of streamAnswers) {
    it(`answer with ${shape}`, async () => {
      await withHarness(startHarness({ ServerStream: handler }), async (harness) => {
        const outcome = await collectStream(harness.client['ServerStream']!({ text: 'x' }));
        assert.equal(outcome.status.code, 0);
        assert.deepEqual(outcome.responses.map((r) => [r.text, r.count]), [['x', 1], ['x', 2], ['x', 3]]);
      });
    });
  }

  it('a single value is one message', async () => {
    await withHarness(startHarness({ ServerStream: () => ({ text: 'only' }) }), async (harness) => {
      const outcome = await collectStream(harness.client['ServerStream']!({ text: 'x' }));
      assert.deepEqual(outcome.responses.map((r) => r.text), ['only']);
    });
  });
});

describe('request-streaming handlers', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({
      ClientStream: (requests) => (requests as Observable<Item>).pipe(
        map((r) => r.text), toArray(), map((texts) => ({ text: texts.join(','), count: texts.length }))),
      Bidi: (requests) => (requests as Observable<Item>).pipe(map((r) => ({ text: r.text.toUpperCase() }))),
    });
  });
  after(() => harness.close());

  it('client streaming receives every request in order', async () => {
    const outcome = await new Promise<Item>((resolve, reject) => {
      const call = harness.client['ClientStream']!((err: unknown, res: unknown) => (err ? reject(err as Error) : resolve(res as Item)));
      for (const text of ['a', 'b', 'c']) call.write({ text });
      call.end();
    });
    assert.equal(outcome.text, 'a,b,c');
    assert.equal(outcome.count, 3);
  });

  it('client streaming with no requests answers for an empty stream', async () => {
    const outcome = await new Promise<Item>((resolve, reject) => {
      const call = harness.client['ClientStream']!((err: unknown, res: unknown) => (err ? reject(err as Error) : resolve(res as Item)));
      call.end();
    });
    assert.equal(outcome.count, 0);
  });

  it('bidi answers each request as it arrives', async () => {
    const call = harness.client['Bidi']!();
    const pending = collectStream(call);
    for (const text of ['x', 'y']) call.write({ text });
    call.end();
    const outcome = await pending;
    assert.deepEqual(outcome.responses.map((r) => r.text), ['X', 'Y']);
  });
});
