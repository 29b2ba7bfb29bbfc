import { Observable } from 'rxjs';
import type { Outlet } from '../Outlet.ts';

/**
 * Drive a source stage: pull the next item from its iterable only when every edge leaving the stage has
 * room for it (a credit reserved on each). Unsubscribing stops the pull and closes the iterator,
 * which runs the source's `finally` blocks (closing files, ending child processes).
 */
export function pullSource<T>(
  items: Iterable<T> | AsyncIterable<T>,
  outlet: Outlet<T>,
  signal: AbortSignal,
  onEmitted: () => void,
): Observable<never> {
  return new Observable<never>((subscriber) => {
    const iterator =
      Symbol.asyncIterator in items ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
    let stopped = false;
    (async () => {
      while (!stopped) {
        // Make room first, then make the item: nothing is produced that has nowhere to go.
        await outlet.reserve(signal);
        const next = await iterator.next();
        if (next.done || stopped) {
          outlet.unreserve();
          break;
        }
        outlet.push(next.value);
        onEmitted();
      }
      if (!stopped) {
        stopped = true;
        subscriber.complete();
      }
    })().catch((error) => {
      if (!stopped) {
        stopped = true;
        subscriber.error(error);
      }
    });
    return () => {
      if (stopped) return;
      stopped = true;
      // Closing the iterator runs the generator's finally blocks; errors there are moot now.
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    };
  });
}
