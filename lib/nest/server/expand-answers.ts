// An Observable answer from Nest's RPC proxy, made a stream of messages: values that are iterables (what an
// interceptor's Observable of one value carries when the handler answered with an array or async iterable) expand.
import { from, Observable } from 'rxjs';
import { isAsyncIterable, isIterable } from '../../streams/iterables.js';

/**
 * concatMap(expand) with `mapError` on every error, without an inner Observable per message: a plain message
 * (never iterable) passes straight through unless an expansion is under way, whose order it then keeps.
 * The per-message inner subscription of concatMap cost Observable-answered streams under Nest measurably.
 */
export function expandAnswers(source: Observable<unknown>, mapError: (error: unknown) => unknown): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    // Values that arrived while an iterable was being expanded, in order.
    const waiting: unknown[] = [];
    let expanding = false;
    let sourceDone = false;
    const fail = (error: unknown): void => subscriber.error(mapError(error));

    const take = (value: unknown): void => {
      if (isAsyncIterable(value) || isIterable(value)) expand(value);
      else subscriber.next(value);
    };
    // Runs once an expansion ended: what waited goes on, until the next iterable or the end.
    const resume = (): void => {
      while (!expanding && waiting.length > 0) take(waiting.shift());
      if (!expanding && sourceDone) subscriber.complete();
    };
    const expand = (iterable: Iterable<unknown> | AsyncIterable<unknown>): void => {
      expanding = true;
      // A sync iterable completes inside subscribe(): resume() then runs before add(), which skips a closed one.
      subscriber.add(from(iterable).subscribe({
        next: (value) => subscriber.next(value),
        error: fail,
        complete: () => {
          expanding = false;
          resume();
        },
      }));
    };

    subscriber.add(source.subscribe({
      next: (value) => {
        if (expanding) waiting.push(value);
        else take(value);
      },
      error: fail,
      complete: () => {
        sourceDone = true;
        if (!expanding) subscriber.complete();
      },
    }));
  });
}
