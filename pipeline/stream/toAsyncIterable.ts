import { from, lastValueFrom, toArray, type ObservableInput } from 'rxjs';

/**
 * What a stage's `process` returns, as something the engine can pull one item at a time. Iterables and
 * async iterables are pulled lazily (so a stage can emit millions of items with bounded memory); a
 * Promise gives one item; an Observable is pushed, so its items are collected first.
 */
export async function* toAsyncIterable<T>(input: ObservableInput<T> | undefined | null): AsyncGenerator<T> {
  if (input === undefined || input === null) return;
  if (typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    yield* input as AsyncIterable<T>;
  } else if (typeof (input as Iterable<T>)[Symbol.iterator] === 'function' && typeof input !== 'string') {
    yield* input as Iterable<T>;
  } else if (typeof (input as PromiseLike<T>).then === 'function') {
    const value = await (input as PromiseLike<T>);
    if (value !== undefined) yield value;
  } else {
    yield* await lastValueFrom(from(input).pipe(toArray()));
  }
}
