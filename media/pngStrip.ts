/** A clip as one PNG: its frames side by side, left to right (a film strip for papers and reports). */
import type { ClipShape } from '../datasets/clip.ts';
import { assertClipFrames, blitFrame } from './frames.ts';
import { createRgbImage } from './image.ts';
import { encodePng } from './png.ts';

export function encodePngStrip(frames: Uint8Array, shape: ClipShape, options: { scale?: number; gap?: number } = {}): Buffer {
  assertClipFrames(frames, shape, 'encodePngStrip');
  const scale = options.scale ?? 1;
  const gap = options.gap ?? 0;
  const [t, h, w] = shape;
  const image = createRgbImage(t * w * scale + (t - 1) * gap, h * scale, [128, 128, 128]);
  const raster = { width: image.width, height: image.height, channels: 3 as const, data: image.data };
  for (let i = 0; i < t; i++) blitFrame(frames, shape, i, raster, i * (w * scale + gap), 0, scale);
  return encodePng(image);
}
