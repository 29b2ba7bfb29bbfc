import gifenc from 'gifenc';
import type { GifPalette } from 'gifenc';
import type { ClipShape } from '../datasets/clip.ts';
import { assertClipFrames, blitFrame } from './frames.ts';

// Named imports fail at runtime (see gifenc.d.ts); destructure the CommonJS exports object instead.
const { GIFEncoder, quantize, applyPalette } = gifenc;

export interface GifArgs {
  /** Frames per second, default 8. At most 50: GIF delays are whole 1/100 s and players treat 1/100 s as "slow". */
  fps?: number;
  /** Integer nearest-neighbour upscaling, default 1. */
  scale?: number;
  /** Loop forever (default) or play once. */
  loop?: boolean;
}

export interface GifGridArgs extends GifArgs {
  /** Default: ceil(sqrt(number of clips)). */
  columns?: number;
  /** Pixels between cells, before `scale`; default 2. */
  gap?: number;
  /** Grey level of the gaps and of cell space around smaller clips; default 128 so black-background clips stay apart. */
  background?: number;
}

export interface GifClip {
  frames: Uint8Array;
  shape: ClipShape;
}

/** Encode a [T,H,W,C] uint8 clip as an animated GIF. */
export function encodeGif(frames: Uint8Array, shape: ClipShape, options: GifArgs = {}): Uint8Array {
  assertClipFrames(frames, shape, 'encodeGif');
  const fps = options.fps ?? 8;
  const scale = options.scale ?? 1;
  const loop = options.loop ?? true;
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`gif scale must be a positive integer, got ${scale}`);
  const delays = frameDelays(shape[0], fps);

  const [t, h, w, c] = shape;
  const outW = w * scale;
  const outH = h * scale;
  if (outW > 0xffff || outH > 0xffff) throw new RangeError(`gif size ${outW}x${outH} exceeds the format's 65535 limit`);

  const { palette, indices } = c === 1 ? greyIndices(frames) : quantizeRgb(frames, t * h * w);
  const gif = GIFEncoder();
  const plane = new Uint8Array(outW * outH);
  for (let i = 0; i < t; i++) {
    const frame = indices.subarray(i * h * w, (i + 1) * h * w);
    let pixels = frame;
    if (scale > 1) {
      blitFrame(frame, [1, h, w, 1], 0, { data: plane, width: outW, height: outH, channels: 1 }, 0, 0, scale);
      pixels = plane; // gifenc LZW-encodes during writeFrame, so the plane can be reused
    }
    gif.writeFrame(pixels, outW, outH, {
      // Palette on the first frame only: later frames then use the global table instead of
      // each carrying a 768-byte local one.
      palette: i === 0 ? palette : null,
      delay: delays[i] * 10,
      repeat: loop ? 0 : -1,
    });
  }
  gif.finish();
  return gif.bytes();
}

/**
 * Tile several clips of the same length into one animated GIF, row-major, `columns` per row.
 * Cells are as large as the largest clip; smaller clips are centred. Grey stays grey (exact
 * palette) unless some clip is RGB, in which case everything is promoted to RGB.
 */
export function encodeGifGrid(clips: readonly GifClip[], options: GifGridArgs = {}): Uint8Array {
  if (clips.length === 0) throw new RangeError('encodeGifGrid needs at least one clip');
  clips.forEach((clip, k) => assertClipFrames(clip.frames, clip.shape, `encodeGifGrid clip ${k}`));
  const t = clips[0].shape[0];
  const mismatch = clips.findIndex((clip) => clip.shape[0] !== t);
  if (mismatch >= 0) {
    throw new RangeError(`encodeGifGrid clips must have the same length: clip 0 has ${t} frames, clip ${mismatch} has ${clips[mismatch].shape[0]}`);
  }
  const columns = Math.min(options.columns ?? Math.ceil(Math.sqrt(clips.length)), clips.length);
  const gap = options.gap ?? 2;
  const background = options.background ?? 128;
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`columns must be a positive integer, got ${columns}`);
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`gap must be a non-negative integer, got ${gap}`);
  if (!Number.isInteger(background) || background < 0 || background > 255) throw new RangeError(`background must be 0..255, got ${background}`);

  const rows = Math.ceil(clips.length / columns);
  const cellH = Math.max(...clips.map((clip) => clip.shape[1]));
  const cellW = Math.max(...clips.map((clip) => clip.shape[2]));
  const c = clips.every((clip) => clip.shape[3] === 1) ? 1 : 3;
  const height = rows * cellH + (rows - 1) * gap;
  const width = columns * cellW + (columns - 1) * gap;
  const frameBytes = height * width * c;
  const grid = new Uint8Array(t * frameBytes).fill(background);

  clips.forEach((clip, k) => {
    const [, h, w] = clip.shape;
    const x = (k % columns) * (cellW + gap) + ((cellW - w) >> 1);
    const y = Math.floor(k / columns) * (cellH + gap) + ((cellH - h) >> 1);
    for (let i = 0; i < t; i++) {
      const dst = { data: grid.subarray(i * frameBytes, (i + 1) * frameBytes), width, height, channels: c } as const;
      blitFrame(clip.frames, clip.shape, i, dst, x, y);
    }
  });
  return encodeGif(grid, [t, height, width, c], options);
}

/**
 * Per-frame delays in 1/100 s. Rounding each frame's delay independently would drift (8 fps =
 * 12.5 cs would always become 13); rounding the cumulative timestamps alternates 13/12 instead,
 * so the average rate is exact.
 */
function frameDelays(count: number, fps: number): number[] {
  if (!Number.isFinite(fps) || fps <= 0 || fps > 50) throw new RangeError(`gif fps must be in (0, 50], got ${fps}`);
  const delays = Array.from({ length: count }, (_, i) => Math.round(((i + 1) * 100) / fps) - Math.round((i * 100) / fps));
  if (delays.some((d) => d > 0xffff)) throw new RangeError(`gif fps ${fps} is too low: a frame delay exceeds 655.35 s`);
  return delays;
}

/** Grey needs no quantization: a 256-level grey table makes each pixel value its own index. */
const GREY_PALETTE: GifPalette = Array.from({ length: 256 }, (_, v) => [v, v, v]);

function greyIndices(frames: Uint8Array): { palette: GifPalette; indices: Uint8Array } {
  return { palette: GREY_PALETTE, indices: frames };
}

/**
 * One palette quantized over every frame at once: per-frame palettes make flat colours flicker as
 * each frame's quantizer picks slightly different representatives.
 */
function quantizeRgb(frames: Uint8Array, pixels: number): { palette: GifPalette; indices: Uint8Array } {
  // gifenc reads pixels as a Uint32Array over `.buffer`, so it needs RGBA in a buffer of its own.
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0, s = 0, d = 0; p < pixels; p++, s += 3, d += 4) {
    rgba[d] = frames[s];
    rgba[d + 1] = frames[s + 1];
    rgba[d + 2] = frames[s + 2];
    rgba[d + 3] = 255;
  }
  const palette = quantize(rgba, 256);
  return { palette, indices: applyPalette(rgba, palette) };
}
