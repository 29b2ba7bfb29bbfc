/**
 * The motion direction of a single-digit clip, without learning: the digit's centroid is tracked frame by
 * frame (greyVideo.frameCentroid) and the spread of its x (column) and y (row) coordinates compared.
 *
 * - `horizontal` ("left and right"): x varies more than y; `vertical` ("up and down"): y varies more.
 * - `static`: the centroid's range on both axes is below `staticFraction` of the canvas side (default 5%:
 *   3.2 px at 64x64; a real clip at speed 3 covers at least ~20 px in 16 frames), or fewer than 2 frames
 *   have a digit at all.
 *
 * On real clips this is exact: the sprite moves rigidly along one axis, so the other axis' centroid
 * coordinate is constant. Also reported, for judging generated videos:
 * - `dominance` = spread of the main axis / (spread x + spread y), 0.5..1: 1 is motion along one axis only;
 * - `jitter` = mean |second difference| / mean |first difference| of the main-axis coordinate, 0..2:
 *   0 for constant speed, ~0.1-0.5 for a clip with a bounce or two, 2 for back-and-forth shaking.
 */
import type { Motion } from '../../datasets/synthetic/bouncingDigits.ts';
import { frameCentroid, toGreyVideo, type CentroidOptions, type GreyVideo, type VideoFrames } from './greyVideo.ts';

export type ClipMotion = Motion | 'static';

export interface MotionOptions {
  centroid?: CentroidOptions;
  /** Below this fraction of min(height, width) of centroid range on both axes, the clip is static. Default 0.05. */
  staticFraction?: number;
}

export interface MotionEstimate {
  motion: ClipMotion;
  /** Max - min of the centroid's x and y over the frames with a digit, px. */
  rangeX: number;
  rangeY: number;
  /** Standard deviations of the centroid's x and y, px. */
  spreadX: number;
  spreadY: number;
  /** See the module comment (0 when static). */
  dominance: number;
  jitter: number;
  /** Frames where a digit was found. */
  trackedFrames: number;
  /** Centroid per frame; undefined for an empty frame. */
  trajectory: ({ x: number; y: number } | undefined)[];
}

export const DEFAULT_STATIC_FRACTION = 0.05;

function stats(values: number[]): { range: number; spread: number } {
  if (values.length === 0) return { range: 0, spread: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return { range: Math.max(...values) - Math.min(...values), spread: Math.sqrt(variance) };
}

function jitterOf(values: number[]): number {
  if (values.length < 3) return 0;
  let first = 0;
  let second = 0;
  for (let i = 1; i < values.length; i++) first += Math.abs(values[i] - values[i - 1]);
  for (let i = 2; i < values.length; i++) second += Math.abs(values[i] - 2 * values[i - 1] + values[i - 2]);
  first /= values.length - 1;
  second /= values.length - 2;
  return first > 0 ? second / first : 0;
}

/** Estimate the motion of a clip (any VideoFrames value range) or of a GreyVideo. */
export function motionOfClip(video: VideoFrames | GreyVideo, options: MotionOptions = {}): MotionEstimate {
  const grey = toGreyVideo(video);
  const trajectory = Array.from({ length: grey.frames }, (_, t) => {
    const c = frameCentroid(grey, t, options.centroid);
    return c === undefined ? undefined : { x: c.x, y: c.y };
  });
  const tracked = trajectory.filter((p): p is { x: number; y: number } => p !== undefined);
  const xs = tracked.map((p) => p.x);
  const ys = tracked.map((p) => p.y);
  const x = stats(xs);
  const y = stats(ys);
  const threshold = (options.staticFraction ?? DEFAULT_STATIC_FRACTION) * Math.min(grey.height, grey.width);
  const base = { rangeX: x.range, rangeY: y.range, spreadX: x.spread, spreadY: y.spread, trackedFrames: tracked.length, trajectory };
  if (tracked.length < 2 || Math.max(x.range, y.range) < threshold) return { motion: 'static', ...base, dominance: 0, jitter: 0 };
  const horizontal = x.spread >= y.spread;
  return {
    motion: horizontal ? 'horizontal' : 'vertical',
    ...base,
    dominance: Math.max(x.spread, y.spread) / (x.spread + y.spread),
    jitter: jitterOf(horizontal ? xs : ys),
  };
}
