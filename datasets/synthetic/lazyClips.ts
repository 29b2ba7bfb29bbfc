import type { Clip } from '../clip.ts';

/** Clips 0..count-1 made one at a time as they are pulled, never all held at once. */
export function lazyClips(count: number, make: (index: number) => Clip): Generator<Clip> {
  return (function* () {
    for (let i = 0; i < count; i++) yield make(i);
  })();
}
