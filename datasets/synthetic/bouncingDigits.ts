import { lazyClips } from './lazyClips.ts';
import { tokenize, type Clip, type Split } from '../clip.ts';
import { Random } from '../../utils/random.ts';
import { checkIndex, checkInteger, checkNumber, checkOneOf, clipId } from './args.ts';
import { MNIST_PIXELS, MNIST_SIDE, digitImage, instanceRange } from './mnistDigits.ts';
import { proportionalSplit, randomSplit } from './split.ts';

/**
 * Single- and two-digit Bouncing MNIST (SBMG / TBMG, as in Sync-DRAW and TGANs-C): 28x28 MNIST digits
 * moving either vertically or horizontally on a black grey-scale canvas, bouncing off the edges, captioned
 * e.g. `digit 7 is moving up and down and digit 2 is moving left and right`.
 *
 * Every clip is a pure function of (args, index): its randomness comes from Random.derive(seed, source,
 * index), so clip i can be regenerated alone (resuming, random access) and the generator never holds more
 * than one clip.
 */

export type Motion = 'horizontal' | 'vertical';
export const MOTIONS: readonly Motion[] = ['horizontal', 'vertical'];

/** Caption words for each motion. Horizontal = x (column) changes, vertical = y (row) changes. */
export const MOTION_WORDS: Record<Motion, string> = {
  horizontal: 'left and right',
  vertical: 'up and down',
};

export interface DigitMotionPair {
  digit: number;
  motion: Motion;
}

export interface BouncingDigitsArgs {
  /** 1 = SBMG, 2 = TBMG. */
  digits: 1 | 2;
  count: number;
  /** Canvas side in pixels; must leave a 28x28 digit room to move. */
  size: number;
  frames: number;
  /** Pixels per frame; at most size - 28 so one step never jumps across the canvas. */
  speed: number;
  seed: number;
  split: 'combinations' | 'random';
  valFraction: number;
}

/**
 * speed 3 at size 64: a digit has 36 px of travel, so a 16-frame clip covers 45 px and usually shows one
 * bounce, while consecutive frames still overlap enough for motion to be learnable.
 */
export const BOUNCING_DIGITS_DEFAULTS = {
  digits: 1,
  size: 64,
  frames: 16,
  speed: 3,
  split: 'combinations',
  valFraction: 0.2,
} as const satisfies Partial<BouncingDigitsArgs>;

/** What callers pass: count and seed are required, the rest default to BOUNCING_DIGITS_DEFAULTS. */
export type BouncingDigitsInput = Pick<BouncingDigitsArgs, 'count' | 'seed'> & Partial<BouncingDigitsArgs>;

const WHERE = 'bouncingDigits';

/** Fill in defaults and validate; throws RangeError naming the offending argument. */
export function resolveBouncingDigitsArgs(input: BouncingDigitsInput): BouncingDigitsArgs {
  const a = { ...BOUNCING_DIGITS_DEFAULTS, ...input };
  checkOneOf(WHERE, 'digits', a.digits, [1, 2]);
  checkInteger(WHERE, 'count', a.count, 0);
  checkInteger(WHERE, 'size', a.size, MNIST_SIDE + 1, 4096);
  checkInteger(WHERE, 'frames', a.frames, 2, 10_000);
  checkNumber(WHERE, 'speed', a.speed, 0, a.size - MNIST_SIDE);
  checkInteger(WHERE, 'seed', a.seed, Number.MIN_SAFE_INTEGER);
  checkOneOf(WHERE, 'split', a.split, ['combinations', 'random']);
  // 'combinations' holds out at most one motion per digit (10 of 20 pairs), hence the 0.5 cap.
  checkNumber(WHERE, 'valFraction', a.valFraction, 0, a.split === 'combinations' ? 0.5 : 1, true);
  return a;
}

/** All 20 (digit, motion) pairs, digit-major. */
export function allPairs(): DigitMotionPair[] {
  return Array.from({ length: 10 }, (_, digit) => MOTIONS.map((motion) => ({ digit, motion }))).flat();
}

/**
 * The (digit, motion) pairs reserved for val under split 'combinations': max(1, round(20 * valFraction))
 * pairs (0 if valFraction is 0), with distinct digits and alternating motions. Distinct digits keep the
 * other motion of every digit in train; alternating keeps both motions in train (at most 5 of 10 each).
 * Depends only on (seed, valFraction), so SBMG and TBMG with the same seed hold out the same pairs.
 */
export function heldOutPairs(seed: number, valFraction: number): DigitMotionPair[] {
  checkNumber(WHERE, 'valFraction', valFraction, 0, 0.5, true);
  const k = valFraction === 0 ? 0 : Math.max(1, Math.round(20 * valFraction));
  const rng = Random.derive(seed, 'bouncing-digits', 'held-out');
  const digitOrder = rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const firstMotion = rng.int(0, 1);
  return digitOrder
    .slice(0, k)
    .map((digit, j) => ({ digit, motion: MOTIONS[(firstMotion + j) % 2] }))
    .sort((p, q) => p.digit - q.digit);
}

export function pairKey(p: DigitMotionPair): string {
  return `${p.digit}:${p.motion}`;
}

export function digitsCaption(pairs: readonly DigitMotionPair[]): string {
  return pairs.map((p) => `digit ${p.digit} is moving ${MOTION_WORDS[p.motion]}`).join(' and ');
}

/** Reflect u into [0, limit] (a triangle wave): the closed form of bouncing off both walls. */
function fold(u: number, limit: number): number {
  if (limit === 0) return 0;
  const period = 2 * limit;
  const m = ((u % period) + period) % period;
  return m <= limit ? m : period - m;
}

/**
 * Top-left corner of a 28x28 sprite for each frame, starting at `start` with `velocity` px/frame and
 * bouncing off the canvas edges (velocity reflects, the sprite never leaves the canvas). Rounded to
 * whole pixels.
 */
export function bouncePath(
  start: readonly [number, number],
  velocity: readonly [number, number],
  size: number,
  frames: number,
): [number, number][] {
  const limit = size - MNIST_SIDE;
  return Array.from({ length: frames }, (_, t) => [
    Math.round(fold(start[0] + velocity[0] * t, limit)),
    Math.round(fold(start[1] + velocity[1] * t, limit)),
  ]);
}

export interface DigitLayer {
  /** 784 bytes, 0..255. */
  image: Uint8Array;
  /** Top-left [x, y] per frame. */
  path: readonly (readonly [number, number])[];
}

/**
 * Render grey frames [T, size, size, 1] with each layer's sprite at its path position. Overlapping digits
 * combine by per-pixel max (as in the original Bouncing MNIST) so strokes stay crisp instead of saturating.
 */
export function renderDigits(size: number, frames: number, layers: readonly DigitLayer[]): Uint8Array {
  const out = new Uint8Array(frames * size * size);
  const side = MNIST_SIDE; // a local: under tsx, reading the imported binding in the inner loop was ~8x slower
  const limit = size - side;
  for (const { image, path } of layers) {
    if (image.length !== MNIST_PIXELS) throw new RangeError(`renderDigits: image must have ${MNIST_PIXELS} pixels`);
    if (path.length !== frames) throw new RangeError(`renderDigits: path must have ${frames} positions`);
    for (let t = 0; t < frames; t++) {
      const [px, py] = path[t];
      if (!(Number.isInteger(px) && Number.isInteger(py) && px >= 0 && px <= limit && py >= 0 && py <= limit)) {
        throw new RangeError(`renderDigits: position (${px}, ${py}) at frame ${t} is not a whole pixel inside the ${size}x${size} canvas`);
      }
      const x = px | 0;
      const y = py | 0;
      for (let r = 0; r < side; r++) {
        const row = t * size * size + (y + r) * size + x;
        for (let c = 0; c < side; c++) {
          const v = image[r * side + c];
          if (v > out[row + c]) out[row + c] = v;
        }
      }
    }
  }
  return out;
}

interface Plan {
  args: BouncingDigitsArgs;
  source: 'sbmg' | 'tbmg';
  all: DigitMotionPair[];
  train: DigitMotionPair[];
  heldOut: DigitMotionPair[];
}

function plan(input: BouncingDigitsInput): Plan {
  const args = resolveBouncingDigitsArgs(input);
  const all = allPairs();
  const heldOut = args.split === 'combinations' ? heldOutPairs(args.seed, args.valFraction) : [];
  const held = new Set(heldOut.map(pairKey));
  return { args, source: args.digits === 1 ? 'sbmg' : 'tbmg', all, heldOut, train: all.filter((p) => !held.has(pairKey(p))) };
}

function makeClip({ args, source, all, train, heldOut }: Plan, index: number): Clip {
  const { size, frames, speed, seed, valFraction } = args;
  const rng = Random.derive(seed, source, index);

  // Split first, then pairs from that split's pool: under 'combinations' a train clip uses only train
  // pairs and a val clip has at least one held-out pair (its other digit, if any, may be anything).
  let split: Split;
  const pairs: DigitMotionPair[] = [];
  if (args.split === 'combinations') {
    split = proportionalSplit(seed, source, index, valFraction);
    if (split === 'train') {
      for (let k = 0; k < args.digits; k++) pairs.push(rng.pick(train));
    } else {
      const heldSlot = rng.int(0, args.digits - 1);
      for (let k = 0; k < args.digits; k++) pairs.push(rng.pick(k === heldSlot ? heldOut : all));
    }
  } else {
    split = randomSplit(rng, valFraction);
    for (let k = 0; k < args.digits; k++) pairs.push(rng.pick(all));
  }

  const limit = size - MNIST_SIDE;
  const mnistIndex: number[] = [];
  const start: [number, number][] = [];
  const velocity: [number, number][] = [];
  const layers: DigitLayer[] = [];
  for (const { digit, motion } of pairs) {
    const range = instanceRange(digit, split === 'train' ? 'train' : 'val');
    const instance = rng.int(range.start, range.end - 1);
    const along = rng.int(0, limit);
    const across = rng.int(0, limit);
    const v = rng.pick([-speed, speed]);
    // x is the column, y the row: horizontal motion changes x only, vertical changes y only.
    const s: [number, number] = motion === 'horizontal' ? [along, across] : [across, along];
    const vel: [number, number] = motion === 'horizontal' ? [v, 0] : [0, v];
    mnistIndex.push(instance);
    start.push(s);
    velocity.push(vel);
    layers.push({ image: digitImage(digit, instance), path: bouncePath(s, vel, size, frames) });
  }

  const caption = digitsCaption(pairs);
  return {
    id: clipId(source, index),
    frames: renderDigits(size, frames, layers),
    shape: [frames, size, size, 1],
    caption,
    tokens: tokenize(caption),
    split,
    source,
    attributes: {
      digits: pairs.map((p) => p.digit),
      motions: pairs.map((p) => p.motion),
      mnistIndex,
      start,
      velocity,
    },
  };
}

/** Clip `index` (0..count-1) of the dataset, generated alone. */
export function bouncingDigitsClip(input: BouncingDigitsInput, index: number): Clip {
  const p = plan(input);
  checkIndex(WHERE, index, p.args.count);
  return makeClip(p, index);
}

/**
 * Clips 0..count-1, made lazily one at a time. Arguments are validated right away (not on the first
 * next()), so a bad config fails where the pipeline is built.
 */
export function bouncingDigits(input: BouncingDigitsInput): Generator<Clip> {
  const p = plan(input);
  return lazyClips(p.args.count, (i) => makeClip(p, i));
}
