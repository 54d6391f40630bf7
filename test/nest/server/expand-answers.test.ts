// expandAnswers: the messages of a Nest handler's Observable answer, with arrays and async iterables (an
// interceptor's one value) expanded in place, in order; errors mapped; unsubscribing stops source and expansion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, Observable, of, Subject, throwError } from 'rxjs';
import { expandAnswers } from '../../../lib/nest/server/expand-answers.js';

async function* slowly<T>(...values: T[]): AsyncGenerator<T> {
  for (const value of values) {
    await new Promise((resolve) => setImmediate(resolve));
    yield value;
  }
}

type Outcome = { values: unknown[]; error?: unknown; completed: boolean };

function collect(source: Observable<unknown>): Promise<Outcome> {
  return new Promise((resolve) => {
    const values: unknown[] = [];
    expandAnswers(source, (error) => ({ mapped: error })).subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error, completed: false }),
      complete: () => resolve({ values, completed: true }),
    });
  });
}

const a = { id: 1 };
const b = { id: 2 };
const c = { id: 3 };

describe('expandAnswers', () => {
  const cases: Array<{ name: string; source: () => Observable<unknown>; expected: Outcome }> = [
    { name: 'messages pass through as they are', source: () => of(a, b, c), expected: { values: [a, b, c], completed: true } },
    { name: 'an array expands in place', source: () => of(a, [b, c]), expected: { values: [a, b, c], completed: true } },
    { name: 'an async iterable expands before the messages after it', source: () => of(slowly(a, b), c),
      expected: { values: [a, b, c], completed: true } },
    { name: 'two iterables one after the other keep their order', source: () => of(slowly(a), [b], slowly(c)),
      expected: { values: [a, b, c], completed: true } },
    { name: 'an empty answer completes', source: () => of(), expected: { values: [], completed: true } },
    { name: 'a Buffer is a message, not an iterable', source: () => of(Buffer.from('xy')), expected: { values: [Buffer.from('xy')], completed: true } },
    { name: 'a source error is mapped', source: () => concat(of(a), throwError(() => 'boom')),
      expected: { values: [a], error: { mapped: 'boom' }, completed: false } },
    { name: 'an error while expanding is mapped', source: () => of((async function* () { yield a; throw new Error('inner'); })()),
      expected: { values: [a], error: { mapped: new Error('inner') }, completed: false } },
  ];
  for (const { name, source, expected } of cases) {
    it(name, async () => {
      assert.deepEqual(await collect(source()), expected);
    });
  }

  it('messages arriving during an expansion wait for it', async () => {
    const source = new Subject<unknown>();
    const outcome = collect(source);
    source.next(slowly(a, b));
    source.next(c);
    source.complete();
    assert.deepEqual(await outcome, { values: [a, b, c], completed: true });
  });

  it('unsubscribing stops the source and the iterable being expanded', async () => {
    let sourceStopped = false;
    let iterableStopped = false;
    async function* endless(): AsyncGenerator<unknown> {
      try {
        for (;;) {
          await new Promise((resolve) => setImmediate(resolve));
          yield a;
        }
      } finally {
        iterableStopped = true;
      }
    }
    const source = new Observable<unknown>((subscriber) => {
      subscriber.next(endless());
      return () => { sourceStopped = true; };
    });
    const received: unknown[] = [];
    const subscription = expandAnswers(source, (error) => error).subscribe((value) => received.push(value));
    while (received.length < 2) await new Promise((resolve) => setImmediate(resolve));
    subscription.unsubscribe();
    // from(asyncIterable) calls return() at the next step of the generator.
    for (let i = 0; i < 5 && !iterableStopped; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual({ sourceStopped, iterableStopped }, { sourceStopped: true, iterableStopped: true });
  });
});
