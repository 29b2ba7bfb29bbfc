import { lazyClips } from './lazyClips.ts';
import { tokenize, type Clip, type Split } from '../clip.ts';
import { Random } from '../../utils/random.ts';
import { checkIndex, checkInteger, checkNumber, checkOneOf, clipId } from './args.ts';
import { proportionalSplit, randomSplit } from './split.ts';

/**
 * Moving shapes (as in TFGAN / MoCoGAN): one coloured shape on a black RGB canvas moving in a straight
 * line, captioned e.g. `a small red circle is moving up`. Image coordinates: x is the column, y the row,
 * so "up" means y decreases.
 *
 * Like bouncingDigits, clip i is a pure function of (args, i) via Random.derive(seed, 'shapes', i).
 */

export const SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** Saturated, well separated colours that survive video compression and are unambiguous words. */
export const COLOURS = {
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  white: [255, 255, 255],
} as const satisfies Record<string, readonly [number, number, number]>;
export type ColourName = keyof typeof COLOURS;
export const COLOUR_NAMES = Object.keys(COLOURS) as ColourName[];

export const SIZES = ['small', 'large'] as const;
export type SizeName = (typeof SIZES)[number];

/** Four axis directions; diagonals were left out to keep captions and the held-out design simple. */
export const DIRECTIONS = ['up', 'down', 'left', 'right'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Unit step per direction in image coordinates [dx, dy]. */
export const DIRECTION_VECTORS: Record<Direction, readonly [number, number]> = {
  up: [0, -1],
  down: [0, 1],
  left: [-1, 0],
  right: [1, 0],
};

export interface ShapeCombo {
  shape: ShapeName;
  colour: ColourName;
  size: SizeName;
  direction: Direction;
}

export interface MovingShapesArgs {
  count: number;
  /** Canvas side in pixels. */
  size: number;
  frames: number;
  /** Pixels per frame; lowered per clip when the path would not fit (see shapePath). */
  speed: number;
  seed: number;
  split: 'combinations' | 'random';
  valFraction: number;
}

/**
 * speed 2 at size 64: a large (20 px) shape has 44 px of room and a 16-frame clip travels 30 px, so the
 * default never needs clamping, yet the shape crosses about half the canvas.
 */
export const MOVING_SHAPES_DEFAULTS = {
  size: 64,
  frames: 16,
  speed: 2,
  split: 'combinations',
  valFraction: 0.2,
} as const satisfies Partial<MovingShapesArgs>;

export type MovingShapesInput = Pick<MovingShapesArgs, 'count' | 'seed'> & Partial<MovingShapesArgs>;

const WHERE = 'movingShapes';
const SOURCE = 'shapes';

/** Fill in defaults and validate; throws RangeError naming the offending argument. */
export function resolveMovingShapesArgs(input: MovingShapesInput): MovingShapesArgs {
  const a = { ...MOVING_SHAPES_DEFAULTS, ...input };
  checkInteger(WHERE, 'count', a.count, 0);
  checkInteger(WHERE, 'size', a.size, 16, 4096);
  checkInteger(WHERE, 'frames', a.frames, 2, 10_000);
  checkNumber(WHERE, 'speed', a.speed, 0, a.size);
  checkInteger(WHERE, 'seed', a.seed, Number.MIN_SAFE_INTEGER);
  checkOneOf(WHERE, 'split', a.split, ['combinations', 'random']);
  // Holding out more than half of the combinations would leave train too thin to learn attributes from.
  checkNumber(WHERE, 'valFraction', a.valFraction, 0, a.split === 'combinations' ? 0.5 : 1, true);
  return a;
}

/** Side of a shape's bounding box in pixels: even (so it has an integer half-width), 12 / 20 px at 64. */
export function shapeExtent(size: SizeName, canvas: number): number {
  return size === 'small' ? 2 * Math.max(2, Math.round((canvas * 3) / 32)) : 2 * Math.max(3, Math.round((canvas * 5) / 32));
}

/** All 160 combinations, in a fixed order. */
export function allShapeCombos(): ShapeCombo[] {
  const out: ShapeCombo[] = [];
  for (const shape of SHAPES)
    for (const colour of COLOUR_NAMES)
      for (const size of SIZES) for (const direction of DIRECTIONS) out.push({ shape, colour, size, direction });
  return out;
}

export function shapeCaption(c: ShapeCombo): string {
  return `a ${c.size} ${c.colour} ${c.shape} is moving ${c.direction}`;
}

/**
 * The combinations reserved for val under split 'combinations': max(1, round(160 * valFraction)) of them
 * (0 if valFraction is 0), taken in a seeded random order but skipping any whose removal would take the
 * last train combination away from one of its attribute values, so every shape, colour, size and direction
 * is still seen in train while the val captions themselves never are.
 */
export function heldOutShapeCombos(seed: number, valFraction: number): ShapeCombo[] {
  checkNumber(WHERE, 'valFraction', valFraction, 0, 0.5, true);
  const all = allShapeCombos();
  const k = valFraction === 0 ? 0 : Math.max(1, Math.round(all.length * valFraction));
  const trainLeft = new Map<string, number>();
  const values = (c: ShapeCombo) => [`shape:${c.shape}`, `colour:${c.colour}`, `size:${c.size}`, `direction:${c.direction}`];
  for (const c of all) for (const v of values(c)) trainLeft.set(v, (trainLeft.get(v) ?? 0) + 1);
  const held: ShapeCombo[] = [];
  for (const c of Random.derive(seed, SOURCE, 'held-out').shuffle(all)) {
    if (held.length === k) break;
    if (values(c).every((v) => trainLeft.get(v)! > 1)) {
      held.push(c);
      for (const v of values(c)) trainLeft.set(v, trainLeft.get(v)! - 1);
    }
  }
  return held;
}

/** Is pixel offset (dx, dy) from the centre inside the shape with half-width r? Triangle points up. */
function inside(shape: ShapeName, dx: number, dy: number, r: number): boolean {
  switch (shape) {
    case 'circle':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= r && Math.abs(dy) <= r;
    case 'diamond':
      return Math.abs(dx) + Math.abs(dy) <= r;
    case 'triangle':
      return dy >= -r && dy <= r && Math.abs(dx) <= (dy + r) / 2;
  }
}

/**
 * The speed a clip actually uses: the whole path must fit, so when (frames - 1) * speed exceeds the room
 * the shape has (canvas - extent), speed is lowered to exactly fit. Clips record the speed they used.
 */
export function fittedSpeed(extent: number, canvas: number, frames: number, speed: number): number {
  return Math.min(speed, (canvas - extent) / (frames - 1));
}

/**
 * Centre [x, y] of the shape for each frame, moving `speed` px/frame in `direction`. `shift` (pixels, 0 ..
 * room left after the travel) places the path along its axis; `across` is the centre on the other axis.
 */
export function shapePath(
  direction: Direction,
  extent: number,
  canvas: number,
  frames: number,
  speed: number,
  shift: number,
  across: number,
): [number, number][] {
  const r = extent / 2;
  const travel = speed * (frames - 1);
  const slack = canvas - extent - travel;
  if (!(shift >= 0 && shift <= slack + 1e-9)) throw new RangeError(`shapePath: shift ${shift} outside 0..${slack}`);
  const [ux, uy] = DIRECTION_VECTORS[direction];
  const sign = ux + uy; // +1 for right/down, -1 for left/up
  // Start low for +1 and high for -1 so the path ends inside the canvas.
  const from = r + shift + (sign < 0 ? travel : 0);
  return Array.from({ length: frames }, (_, t): [number, number] => {
    const along = from + sign * speed * t;
    return ux !== 0 ? [along, across] : [across, along];
  });
}

/** Rasterise a filled shape (pixel centres tested against the outline) onto RGB frame t. */
export function drawShape(
  out: Uint8Array,
  canvas: number,
  t: number,
  shape: ShapeName,
  rgb: readonly [number, number, number],
  extent: number,
  [cx, cy]: readonly [number, number],
): void {
  const r = extent / 2;
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(canvas - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(canvas - 1, Math.ceil(cy + r));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!inside(shape, x + 0.5 - cx, y + 0.5 - cy, r)) continue;
      const p = ((t * canvas + y) * canvas + x) * 3;
      out[p] = rgb[0];
      out[p + 1] = rgb[1];
      out[p + 2] = rgb[2];
    }
  }
}

interface Plan {
  args: MovingShapesArgs;
  all: ShapeCombo[];
  train: ShapeCombo[];
  heldOut: ShapeCombo[];
}

function plan(input: MovingShapesInput): Plan {
  const args = resolveMovingShapesArgs(input);
  const all = allShapeCombos();
  const heldOut = args.split === 'combinations' ? heldOutShapeCombos(args.seed, args.valFraction) : [];
  const held = new Set(heldOut.map(shapeCaption));
  return { args, all, heldOut, train: all.filter((c) => !held.has(shapeCaption(c))) };
}

function makeClip({ args, all, train, heldOut }: Plan, index: number): Clip {
  const { size, frames, seed, valFraction } = args;
  const rng = Random.derive(seed, SOURCE, index);
  let split: Split;
  let combo: ShapeCombo;
  if (args.split === 'combinations') {
    split = proportionalSplit(seed, SOURCE, index, valFraction);
    combo = rng.pick(split === 'train' ? train : heldOut);
  } else {
    split = randomSplit(rng, valFraction);
    combo = rng.pick(all);
  }
  const extent = shapeExtent(combo.size, size);
  const r = extent / 2;
  const speed = fittedSpeed(extent, size, frames, args.speed);
  // Whole-pixel start positions: with an integer speed every frame is then pixel-aligned (no shimmer).
  const slack = Math.max(0, Math.floor(size - extent - speed * (frames - 1) + 1e-9));
  const shift = rng.int(0, slack);
  const across = rng.int(r, size - r);
  const centres = shapePath(combo.direction, extent, size, frames, speed, shift, across);
  const out = new Uint8Array(frames * size * size * 3);
  const rgb = COLOURS[combo.colour];
  for (let t = 0; t < frames; t++) drawShape(out, size, t, combo.shape, rgb, extent, centres[t]);
  const caption = shapeCaption(combo);
  return {
    id: clipId(SOURCE, index),
    frames: out,
    shape: [frames, size, size, 3],
    caption,
    tokens: tokenize(caption),
    split,
    source: SOURCE,
    attributes: { ...combo, start: centres[0], speed, extent },
  };
}

/** Clip `index` (0..count-1) of the dataset, generated alone. */
export function movingShapesClip(input: MovingShapesInput, index: number): Clip {
  const p = plan(input);
  checkIndex(WHERE, index, p.args.count);
  return makeClip(p, index);
}

/** Clips 0..count-1, made lazily; arguments are validated right away. */
export function movingShapes(input: MovingShapesInput): Generator<Clip> {
  const p = plan(input);
  return lazyClips(p.args.count, (i) => makeClip(p, i));
}
