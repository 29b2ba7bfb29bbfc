/**
 * An animated GIF of videos in labelled rows: each row's label (e.g. "unseen: digit 3 is moving left and
 * right") above its videos, played together. What a training run's sample grid is: a person sees at a
 * glance which caption each row was asked for.
 */
import type { ClipShape } from '../datasets/clip.ts';
import { drawText, LINE_HEIGHT, measureText } from './bitmapFont.ts';
import { blitFrame } from './frames.ts';
import { encodeGif } from './gif.ts';
import { createRgbImage, type Rgb } from './image.ts';

export interface LabelledRow {
  label: string;
  /** Label colour; default light grey. */
  color?: Rgb;
  videos: readonly { frames: Uint8Array; shape: ClipShape }[];
}

export function encodeCaptionedGifGrid(rows: readonly LabelledRow[], options: { scale?: number; gap?: number; fps?: number } = {}): Uint8Array {
  if (rows.length === 0 || rows.some((r) => r.videos.length === 0)) throw new RangeError('encodeCaptionedGifGrid needs rows with at least one video each');
  const scale = options.scale ?? 2;
  const gap = options.gap ?? 4;
  const [frames, h, w] = rows[0]!.videos[0]!.shape;
  for (const row of rows) for (const v of row.videos) if (v.shape[0] !== frames || v.shape[1] !== h || v.shape[2] !== w) throw new RangeError('encodeCaptionedGifGrid: videos must share one shape');
  const columns = Math.max(...rows.map((r) => r.videos.length));
  const cellW = w * scale;
  const cellH = h * scale;
  const rowH = LINE_HEIGHT + 2 + cellH;
  const width = Math.max(gap * 2 + columns * cellW + (columns - 1) * gap, gap * 2 + Math.max(...rows.map((r) => measureText(r.label).width)));
  const height = gap + rows.length * (rowH + gap);
  const background: Rgb = [24, 24, 24];
  const template = createRgbImage(width, height, background);
  rows.forEach((row, i) => drawText(template, gap, gap + i * (rowH + gap), row.label, row.color ?? [200, 200, 200]));
  const out = new Uint8Array(frames * width * height * 3);
  for (let t = 0; t < frames; t++) {
    const data = out.subarray(t * width * height * 3, (t + 1) * width * height * 3);
    data.set(template.data);
    const raster = { width, height, channels: 3 as const, data };
    rows.forEach((row, i) => {
      const top = gap + i * (rowH + gap) + LINE_HEIGHT + 2;
      row.videos.forEach((video, j) => blitFrame(video.frames, video.shape, t, raster, gap + j * (cellW + gap), top, scale));
    });
  }
  return encodeGif(out, [frames, height, width, 3], { fps: options.fps ?? 8 });
}
