import type { ClipShape } from '../datasets/clip.ts';
import { clipByteLength } from '../datasets/clip.ts';

/**
 * Helpers for raw frame tensors ([T,H,W,C] uint8, C = 1 or 3) shared by the GIF, MP4 and
 * contact-sheet writers, so they agree on validation and on how grey is promoted to RGB.
 */

/** A single writable frame-sized pixel buffer: one frame of a clip, or an RgbImage (channels 3). */
export interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Fail early with a readable message: a wrong length otherwise surfaces as garbled pixels or a hung ffmpeg. */
export function assertClipFrames(frames: Uint8Array, shape: ClipShape, what = 'clip'): void {
  assertClipShape(shape, what);
  if (frames.length !== clipByteLength(shape)) {
    throw new RangeError(
      `${what}: frames has ${frames.length} bytes but shape [${shape.join(',')}] needs ${clipByteLength(shape)}`,
    );
  }
}

export function assertClipShape(shape: ClipShape, what = 'clip'): void {
  if (shape.length !== 4 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`${what}: shape must be 4 positive integers [T,H,W,C], got [${shape.join(',')}]`);
  }
  const c = shape[3];
  if (c !== 1 && c !== 3) throw new RangeError(`${what}: channels must be 1 (grey) or 3 (RGB), got ${c}`);
}

/** `count` frame indices spread evenly over `length` frames, always including the first and last. */
export function sampleFrameIndices(length: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`frame count must be a positive integer, got ${count}`);
  if (length <= count) return Array.from({ length }, (_, i) => i);
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * (length - 1)) / (count - 1)));
}

/**
 * Copy frame `t` of a clip into `dst` with its top-left corner at (x, y), each source pixel becoming
 * a scale x scale block (nearest neighbour keeps small synthetic clips crisp). Grey is replicated
 * into RGB when `dst` has 3 channels. Anything outside `dst` is clipped.
 */
export function blitFrame(
  frames: Uint8Array,
  shape: ClipShape,
  t: number,
  dst: Raster,
  x: number,
  y: number,
  scale = 1,
): void {
  const [, h, w, c] = shape;
  const dc = dst.channels;
  if (c === 3 && dc === 1) throw new RangeError('cannot blit an RGB frame into a grey raster');
  const frameBase = t * h * w * c;
  for (let sy = 0; sy < h; sy++) {
    for (let dy = 0; dy < scale; dy++) {
      const row = y + sy * scale + dy;
      if (row < 0 || row >= dst.height) continue;
      for (let sx = 0; sx < w; sx++) {
        const src = frameBase + (sy * w + sx) * c;
        const v0 = frames[src];
        const v1 = c === 3 ? frames[src + 1] : v0;
        const v2 = c === 3 ? frames[src + 2] : v0;
        for (let dx = 0; dx < scale; dx++) {
          const col = x + sx * scale + dx;
          if (col < 0 || col >= dst.width) continue;
          const o = (row * dst.width + col) * dc;
          dst.data[o] = v0;
          if (dc === 3) {
            dst.data[o + 1] = v1;
            dst.data[o + 2] = v2;
          }
        }
      }
    }
  }
}
