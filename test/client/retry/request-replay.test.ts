// The request side of a retried streaming call: attempts replay what was written, the source is read once and only
// as fast as the leading attempt sends, bytes are held in the retry buffers until commit, overflow and failures.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Observable, of, throwError } from 'rxjs';
import { RequestReplay } from '../../../lib/client/retry/request-replay.js';
import type { ReplayOwner, ReplayView } from '../../../lib/client/retry/request-replay.js';
import { RetryBuffer } from '../../../lib/client/retry/retry-throttle.js';
import type { RequestStream } from '../../../lib/client/request-writer.js';
import type { MethodDescriptor } from '../../../lib/schema/descriptors.js';
import type { EchoRequest } from '../echo-server.js';
import { echoMethod } from '../fixtures.js';

type Req = Partial<EchoRequest>;
// The loaded descriptor is untyped; its requests are EchoRequests.
const method = echoMethod('ClientStream') as MethodDescriptor<Req, unknown>;
/** { text: 'mN' } serializes to 4 bytes (tag, length, two characters). */
const MESSAGE_BYTES = 4;

class Owner implements ReplayOwner {
  overflows = 0;
  errors: unknown[] = [];
  onOverflow(): void {
    this.overflows++;
  }
  onSourceError(err: unknown): void {
    this.errors.push(err);
  }
}

function replayOf(source: Req | RequestStream<Req>, options: { total?: number; perCall?: number } = {}) {
  const buffer = new RetryBuffer(options.total ?? 1024);
  const replay = new RequestReplay<Req>(method, source, buffer, options.perCall ?? 1024);
  const owner = new Owner();
  replay.owner = owner;
  return { replay, buffer, owner };
}

/** A source that counts how often it was pulled and whether its finally block ran. */
function counted(count: number) {
  const state = { pulls: 0, finished: false };
  function* generate(): Generator<Req> {
    try {
      for (let i = 0; i < count; i++) {
        state.pulls++;
        yield { text: `m${i}` };
      }
    } finally {
      state.finished = true;
    }
  }
  return { state, source: generate() };
}

async function take(view: ReplayView<Req>, count: number): Promise<(string | undefined)[]> {
  const texts: (string | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const result = await view.next();
    texts.push(result.done === true ? undefined : result.value.text);
  }
  return texts;
}

/** How many bytes the buffer can still hold, found by holding and releasing. */
function free(buffer: RetryBuffer, limit: number): number {
  for (let bytes = limit; bytes >= 0; bytes--) {
    if (buffer.hold(bytes)) {
      buffer.release(bytes);
      return bytes;
    }
  }
  return -1;
}

describe('RequestReplay', () => {
  it('a later attempt replays what was read, and the source is read only as far as the leading attempt asks', async () => {
    const { state, source } = counted(5);
    const { replay } = replayOf(source);
    const first = replay.view();
    assert.deepEqual(await take(first, 3), ['m0', 'm1', 'm2']);
    assert.equal(state.pulls, 3);
    const second = replay.view();
    assert.deepEqual(await take(second, 3), ['m0', 'm1', 'm2']);
    assert.equal(state.pulls, 3, 'the replay came from the buffer');
    assert.deepEqual(await take(second, 1), ['m3']);
    assert.deepEqual(await take(first, 1), ['m3']);
    assert.equal(state.pulls, 4, 'one read for both attempts');
    assert.deepEqual(await take(first, 2), ['m4', undefined]);
    assert.deepEqual(await take(second, 2), ['m4', undefined]);
  });

  it('holds each message\'s bytes in the client-wide buffer until the call commits', async () => {
    const { replay, buffer } = replayOf(counted(5).source, { total: 100 });
    const view = replay.view();
    await take(view, 3);
    assert.equal(free(buffer, 100), 100 - 3 * MESSAGE_BYTES);
    replay.commit(view);
    assert.equal(free(buffer, 100), 100);
    assert.deepEqual(await take(view, 3), ['m3', 'm4', undefined], 'the committed attempt goes on');
    assert.equal(free(buffer, 100), 100, 'nothing is held after commit');
  });

  it('a message past the per-call limit asks the owner to commit; the attempt committed to still gets it', async () => {
    const { replay, owner, buffer } = replayOf(counted(5).source, { perCall: 2 * MESSAGE_BYTES });
    const view = replay.view();
    assert.deepEqual(await take(view, 2), ['m0', 'm1']);
    assert.equal(owner.overflows, 0);
    const third = view.next();
    assert.equal(owner.overflows, 1);
    replay.commit(view);
    assert.deepEqual(await third, { done: false, value: { text: 'm2' } });
    assert.deepEqual(await take(view, 3), ['m3', 'm4', undefined]);
    assert.equal(owner.overflows, 1);
    assert.equal(free(buffer, 1024), 1024);
  });

  it('a message past the client-wide buffer asks the owner to commit too', async () => {
    const { replay, owner } = replayOf(counted(5).source, { total: 3 * MESSAGE_BYTES });
    const view = replay.view();
    await take(view, 4);
    assert.equal(owner.overflows, 1);
  });

  it('stop() ends a waiting attempt, releases the buffer and lets the source run its finally block', async () => {
    const { state, source } = counted(5);
    const { replay, buffer } = replayOf(source, { total: 100 });
    const view = replay.view();
    await take(view, 2);
    replay.stop();
    assert.equal(state.finished, true);
    assert.equal(free(buffer, 100), 100);
    assert.deepEqual(await view.next(), { done: true, value: undefined });
  });

  const sources: [string, () => Req | RequestStream<Req>][] = [
    ['an array', () => [{ text: 'm0' }, { text: 'm1' }]],
    ['an async generator', () => (async function* () { yield { text: 'm0' }; yield { text: 'm1' }; })()],
    ['an Observable', () => of({ text: 'm0' }, { text: 'm1' })],
    ['an Observable emitting later', () => new Observable<Req>((subscriber) => {
      setTimeout(() => { subscriber.next({ text: 'm0' }); subscriber.next({ text: 'm1' }); subscriber.complete(); }, 5);
    })],
  ];
  for (const [name, make] of sources) {
    it(`reads ${name} once for two attempts`, async () => {
      const { replay } = replayOf(make());
      const first = replay.view();
      assert.deepEqual(await take(first, 3), ['m0', 'm1', undefined]);
      assert.deepEqual(await take(replay.view(), 3), ['m0', 'm1', undefined]);
    });
  }

  it('a lone message is a one-message stream', async () => {
    const { replay } = replayOf({ text: 'm0' });
    assert.deepEqual(await take(replay.view(), 2), ['m0', undefined]);
  });

  const failing: [string, () => RequestStream<Req>][] = [
    ['an Observable that errors', () => throwError(() => new Error('boom'))],
    ['a generator that throws', () => (function* (): Generator<Req> { throw new Error('boom'); })()],
    ['an async generator that rejects', () => (async function* (): AsyncGenerator<Req> { throw new Error('boom'); })()],
  ];
  for (const [name, make] of failing) {
    it(`${name} is reported to the owner once`, async () => {
      const { replay, owner } = replayOf(make());
      const view = replay.view();
      const pending = view.next();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(owner.errors.map((err) => (err as Error).message), ['boom']);
      replay.stop();
      assert.deepEqual(await pending, { done: true, value: undefined });
    });
  }
});
