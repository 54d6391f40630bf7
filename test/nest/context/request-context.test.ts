import 'reflect-metadata';
// GrpcRequestContext on its own: the stack it builds from what arrives, context data, what it propagates,
// and current()/require() inside and outside run().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GrpcRequestContext } from '../../../lib/context/request-context.js';
import { PropagationPolicy } from '../../../lib/context/propagation-policy.js';
import { Metadata } from '../../../lib/protocol/metadata.js';

const PATH = '/pkg.Svc/Do';
let counter = 0;
const policy = (max?: number): PropagationPolicy => new PropagationPolicy({ maxCallIdStack: max, createCallId: () => `id${++counter}` });

describe('GrpcRequestContext', () => {
  const stacks: Array<[string, string[], number | undefined, number]> = [
    ['none received', [], undefined, 1],
    ['one header, comma-joined', ['a,b'], undefined, 3],
    ['repeated headers joined by node:http2', ['a, b', 'c'], undefined, 4],
    ['empty entries dropped', [' , a ,,'], undefined, 2],
    ['kept to the newest', ['a,b,c,d'], 3, 3],
  ];
  for (const [name, received, max, length] of stacks) {
    it(`call-id stack: ${name}`, () => {
      const metadata = new Metadata(received.map((value) => ['x-call-id-stack', value] as const));
      const context = new GrpcRequestContext(PATH, metadata, policy(max));
      assert.equal(context.callIdStack.length, length);
      assert.equal(context.callIdStack.at(-1), context.callId);
      assert.ok(Object.isFrozen(context.callIdStack));
    });
  }

  it('the default call id names the method, as nameko\'s do', () => {
    assert.match(new GrpcRequestContext(PATH, new Metadata()).callId, /^pkg\.Svc\.Do\.[0-9a-f-]{36}$/);
  });

  it('refuses a call id with a comma: the stack is one comma-joined value', () => {
    assert.throws(() => new GrpcRequestContext(PATH, new Metadata(), new PropagationPolicy({ createCallId: () => 'a,b' })), TypeError);
  });

  it('context data: received x-context-*, set, deleted; what propagates follows it', () => {
    const context = new GrpcRequestContext(PATH, new Metadata({ 'x-context-user': 'ada', traceparent: 'tp', other: 'o' }), policy());
    assert.equal(context.get('USER'), 'ada');
    const first = context.propagatedMetadata();
    assert.deepEqual(first.toJSON(), { traceparent: ['tp'], 'x-context-user': ['ada'], 'x-call-id-stack': [context.callId] });
    assert.equal(context.propagatedMetadata(), first, 'built once while nothing changes');
    context.set('lang', 'en');
    context.delete('user');
    assert.deepEqual(context.data, { lang: 'en' });
    assert.deepEqual(context.propagatedMetadata().get('x-context-lang'), ['en']);
    assert.deepEqual(context.propagatedMetadata().get('x-context-user'), []);
  });

  it('set() checks names and values as metadata does', () => {
    const context = new GrpcRequestContext(PATH, new Metadata(), policy());
    assert.throws(() => context.set('Bad Name', 'v'), TypeError);
    assert.throws(() => context.set('n', 'caf\u00e9'), TypeError);
    assert.throws(() => context.set('sig-bin', 'text'), TypeError);
    context.set('sig-bin', Buffer.from([1, 2]));
    assert.deepEqual(context.get('sig-bin'), Buffer.from([1, 2]));
  });

  it('current() inside run(), across awaits; undefined outside; require() throws outside', async () => {
    const context = new GrpcRequestContext(PATH, new Metadata(), policy());
    const seen = await context.run(async () => {
      await sleep(5);
      return GrpcRequestContext.current();
    });
    assert.equal(seen, context);
    assert.equal(GrpcRequestContext.current(), undefined);
    assert.throws(() => GrpcRequestContext.require(), /No gRPC request context/);
  });
});
