/**
 * Grey videos for evaluation: converting real clips and generator outputs to one representation, and
 * locating the digit in a frame (a robust intensity-weighted centroid) and cropping around it.
 *
 * Everything here is plain TypedArray arithmetic (no tfjs), so the motion estimator and the crops are
 * exact, deterministic and backend-independent.
 */

/**
 * How the values of `frames` are scaled:
 * - `[0,255]`: bytes (real clips, shard datasets). The default for a Uint8Array.
 * - `[-1,1]`: a tanh generator output, -1 black, 1 white. The default for a Float32Array.
 * - `[0,1]`: a sigmoid output or already-normalised floats.
 * Values outside the range are clamped (NaN counts as black).
 */
export type ValueRange = '[0,255]' | '[-1,1]' | '[0,1]';
export const VALUE_RANGES: readonly ValueRange[] = ['[0,255]', '[-1,1]', '[0,1]'];

/** A video as clips and generators hand it over: row-major [T, H, W, C] values. */
export interface VideoFrames {
  frames: Uint8Array | Float32Array;
  /** [T, H, W, C]; C > 1 channels are averaged to grey. */
  shape: readonly [number, number, number, number] | readonly number[];
  /** Defaults: Uint8Array → '[0,255]', Float32Array → '[-1,1]'. */
  valueRange?: ValueRange;
}

/** One grey video with values in [0, 1] (0 black), row-major [frames, height, width]. */
export interface GreyVideo {
  data: Float32Array;
  frames: number;
  height: number;
  width: number;
}

export function isGreyVideo(value: VideoFrames | GreyVideo): value is GreyVideo {
  return (value as GreyVideo).data instanceof Float32Array && typeof (value as GreyVideo).frames === 'number';
}

/** Convert a clip or generator output to a GreyVideo in [0, 1]; throws RangeError on a bad shape or range. */
export function toGreyVideo(video: VideoFrames | GreyVideo): GreyVideo {
  if (isGreyVideo(video)) return video;
  const { frames, shape } = video;
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`toGreyVideo: shape must be [T, H, W, C] of positive integers (got [${shape.join(', ')}])`);
  }
  const [t, h, w, c] = shape as [number, number, number, number];
  if (frames.length !== t * h * w * c) {
    throw new RangeError(`toGreyVideo: ${frames.length} values do not fill shape [${shape.join(', ')}] (${t * h * w * c})`);
  }
  const range = video.valueRange ?? (frames instanceof Uint8Array ? '[0,255]' : '[-1,1]');
  if (!VALUE_RANGES.includes(range)) throw new RangeError(`toGreyVideo: unknown valueRange '${String(range)}'`);
  const [offset, scale] = range === '[0,255]' ? [0, 1 / 255] : range === '[-1,1]' ? [1, 0.5] : [0, 1];
  const n = t * h * w;
  const data = new Float32Array(n);
  if (frames instanceof Uint8Array && c === 1 && range === '[0,255]') {
    for (let i = 0; i < n; i++) data[i] = frames[i] / 255;
    return { data, frames: t, height: h, width: w };
  }
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < c; k++) sum += frames[i * c + k];
    const v = (sum / c + offset) * scale;
    data[i] = v > 0 ? (v < 1 ? v : 1) : 0; // also maps NaN to 0
  }
  return { data, frames: t, height: h, width: w };
}

export interface FrameLevels {
  /** The background grey: the frame's median (the digit covers far less than half of the canvas). */
  background: number;
  /** The brightest value. */
  peak: number;
}

/** Background (median, to 1/255) and peak of frame `t`. */
export function frameLevels(video: GreyVideo, t: number): FrameLevels {
  const size = video.height * video.width;
  const start = t * size;
  const histogram = new Uint32Array(256);
  let peak = 0;
  for (let i = start; i < start + size; i++) {
    const v = video.data[i];
    if (v > peak) peak = v;
    histogram[Math.round(v * 255)]++;
  }
  let seen = 0;
  let bin = 0;
  for (; bin < 255; bin++) {
    seen += histogram[bin];
    if (seen * 2 >= size) break;
  }
  return { background: bin / 255, peak };
}

export interface CentroidOptions {
  /**
   * Pixels weigh max(0, v - level) with level = background + threshold * (peak - background): faint
   * background noise and blur weigh nothing. Default 0.2.
   */
  threshold?: number;
  /** Side (px) of the window the centroid is re-computed in around the previous estimate. Default 36. */
  window?: number;
  /** Window refinements after the whole-frame centroid (0 = whole frame only). Default 2. */
  refinements?: number;
  /** A frame whose peak - background is below this (in [0, 1]) is empty: no centroid. Default 0.1. */
  minContrast?: number;
}

export interface Centroid {
  /** Column and row (pixel centres at integers). */
  x: number;
  y: number;
  levels: FrameLevels;
}

const CENTROID_DEFAULTS = { threshold: 0.2, window: 36, refinements: 2, minContrast: 0.1 } as const;

/**
 * The intensity-weighted centroid of the digit in frame `t`, or undefined for an empty frame. Starts from
 * the whole frame, then re-centres a `window`-sized box on the estimate `refinements` times, so a stray
 * blob elsewhere in a generated frame pulls the estimate less. On a real clip (one rigid sprite on black)
 * every step gives the same point, so the trajectory follows the sprite exactly.
 */
export function frameCentroid(video: GreyVideo, t: number, options: CentroidOptions = {}): Centroid | undefined {
  const { threshold, window, refinements, minContrast } = { ...CENTROID_DEFAULTS, ...options };
  const levels = frameLevels(video, t);
  const contrast = levels.peak - levels.background;
  if (!(contrast >= minContrast)) return undefined;
  const level = levels.background + threshold * contrast;
  const { data, height, width } = video;
  const base = t * height * width;
  const weighted = (x0: number, x1: number, y0: number, y1: number): { x: number; y: number } | undefined => {
    let mass = 0;
    let sx = 0;
    let sy = 0;
    for (let y = y0; y < y1; y++) {
      const row = base + y * width;
      for (let x = x0; x < x1; x++) {
        const m = data[row + x] - level;
        if (m > 0) {
          mass += m;
          sx += m * x;
          sy += m * y;
        }
      }
    }
    return mass > 0 ? { x: sx / mass, y: sy / mass } : undefined;
  };
  let estimate = weighted(0, width, 0, height);
  if (estimate === undefined) return undefined;
  const half = window / 2;
  for (let r = 0; r < refinements; r++) {
    const x0 = Math.max(0, Math.round(estimate.x - half));
    const y0 = Math.max(0, Math.round(estimate.y - half));
    const next = weighted(x0, Math.min(width, x0 + window), y0, Math.min(height, y0 + window));
    if (next === undefined) break;
    estimate = next;
  }
  return { ...estimate, levels };
}

/**
 * Write the `side` x `side` crop of frame `t` centred on (cx + dx, cy + dy) into `out` at `offset`,
 * contrast-normalised to [0, 1] by `levels` ((v - background) / (peak - background), clamped); pixels
 * outside the canvas are 0. With levels of a real frame (background 0, peak 1) this is the frame itself.
 */
export function cropFrame(
  video: GreyVideo,
  t: number,
  center: { x: number; y: number },
  side: number,
  levels: FrameLevels,
  out: Float32Array,
  offset: number,
  transform?: CropTransform,
): void {
  if (transform !== undefined && (transform.angle !== 0 || transform.scale !== 1)) {
    cropFrameTransformed(video, t, center, side, levels, out, offset, transform);
    return;
  }
  const { data, height, width } = video;
  const base = t * height * width;
  const x0 = Math.round(center.x - (side - 1) / 2);
  const y0 = Math.round(center.y - (side - 1) / 2);
  const contrast = levels.peak - levels.background;
  const gain = contrast > 0 ? 1 / contrast : 0;
  for (let r = 0; r < side; r++) {
    const y = y0 + r;
    for (let c = 0; c < side; c++) {
      const x = x0 + c;
      let v = 0;
      if (y >= 0 && y < height && x >= 0 && x < width) {
        v = (data[base + y * width + x] - levels.background) * gain;
        v = v > 0 ? (v < 1 ? v : 1) : 0;
      }
      out[offset + r * side + c] = v;
    }
  }
}

/** A similarity transform of a crop about its centre (training augmentation). */
export interface CropTransform {
  /** Rotation, radians (counter-clockwise on screen). */
  angle: number;
  /** Magnification: > 1 makes the digit larger in the crop. */
  scale: number;
}

/** cropFrame with a rotation and scaling about the crop centre, sampled bilinearly. */
function cropFrameTransformed(
  video: GreyVideo,
  t: number,
  center: { x: number; y: number },
  side: number,
  levels: FrameLevels,
  out: Float32Array,
  offset: number,
  { angle, scale }: CropTransform,
): void {
  const { data, height, width } = video;
  const base = t * height * width;
  const contrast = levels.peak - levels.background;
  const gain = contrast > 0 ? 1 / contrast : 0;
  const half = (side - 1) / 2;
  // The crop's centre pixel sits where the untransformed crop would put it (same rounding as cropFrame).
  const cx = Math.round(center.x - half) + half;
  const cy = Math.round(center.y - half) + half;
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  const at = (x: number, y: number) => (y >= 0 && y < height && x >= 0 && x < width ? data[base + y * width + x] - levels.background : 0);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const u = c - half;
      const v = r - half;
      const sx = cx + cos * u + sin * v;
      const sy = cy - sin * u + cos * v;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let value =
        (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
      value *= gain;
      out[offset + r * side + c] = value > 0 ? (value < 1 ? value : 1) : 0;
    }
  }
}
