import { defer, ignoreElements, mergeMap, type OperatorFunction } from 'rxjs';

/**
 * Like RxJS `mergeMap(project, concurrency)` for async work, but each item's side effects run in the
 * order items arrived: `work(item, turn)` may compute concurrently and must `await turn()` before it
 * emits. Deterministic output order is what makes shards byte-identical whatever the concurrency.
 * mergeMap's own queue stays small because items only arrive when an edge credit allows it.
 */
export function mergeMapInOrder<T>(
  work: (item: T, turn: () => Promise<void>) => Promise<void>,
  concurrency: number,
): OperatorFunction<T, never> {
  let previous: Promise<void> = Promise.resolve();
  return mergeMap(
    (item: T) =>
      defer(async () => {
        const before = previous;
        let done!: () => void;
        previous = new Promise<void>((resolve) => (done = resolve));
        try {
          await work(item, () => before);
        } finally {
          // Wait for our turn even on failure, so later items never overtake an earlier one.
          await before;
          done();
        }
      }).pipe(ignoreElements()),
    concurrency,
  );
}
