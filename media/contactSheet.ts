import type { ClipShape } from '../datasets/clip.ts';
import type { Rgb, RgbImage } from './image.ts';
import { createRgbImage } from './image.ts';
import { assertClipFrames, blitFrame, sampleFrameIndices } from './frames.ts';
import { LINE_HEIGHT, drawText, wrapText } from './bitmapFont.ts';

export interface ContactSheetClip {
  frames: Uint8Array;
  shape: ClipShape;
  caption: string;
  id?: string;
}

export interface ContactSheetArgs {
  /** Frames shown per row, evenly sampled (first and last included) from longer clips; default 8. */
  maxFrames?: number;
  /** Integer nearest-neighbour upscaling of frames; default 2 if every clip is at most 64 px tall, else 1. */
  scale?: number;
  /** Pixels between frames and between rows; default 4. */
  gap?: number;
  /** Border around the whole sheet; default 4. */
  padding?: number;
  /** Pixels between a row's frames and its text; default 2. */
  textGap?: number;
  /** Integer scale of the bitmap font; default 1. */
  textScale?: number;
  /** Caption lines kept per clip (the last one ends in "..." when cut); default 2. The id line is extra. */
  maxCaptionLines?: number;
  background?: Rgb;
  textColor?: Rgb;
  /** Colour of the id line, dimmer than the caption so the two read apart. */
  idColor?: Rgb;
}

/**
 * One image summarising a batch of clips for eyeballing a dataset or a training run: one row per
 * clip (frames left to right), its id and caption underneath. Sheet layout:
 *
 *   width  = 2*padding + columns*(maxW*scale) + (columns-1)*gap,  columns = min(maxFrames, max T)
 *   height = 2*padding + sum(rowHeight) + (clips-1)*gap
 *   rowHeight = H*scale + (textLines > 0 ? textGap + textLines*LINE_HEIGHT*textScale : 0)
 */
export function renderContactSheet(clips: readonly ContactSheetClip[], options: ContactSheetArgs = {}): RgbImage {
  if (clips.length === 0) throw new RangeError('renderContactSheet needs at least one clip');
  clips.forEach((clip, k) => assertClipFrames(clip.frames, clip.shape, `renderContactSheet clip ${k}`));
  const maxH = Math.max(...clips.map((clip) => clip.shape[1]));
  const maxW = Math.max(...clips.map((clip) => clip.shape[2]));
  const maxT = Math.max(...clips.map((clip) => clip.shape[0]));
  const maxFrames = options.maxFrames ?? 8;
  const scale = options.scale ?? (maxH <= 64 ? 2 : 1);
  const gap = options.gap ?? 4;
  const padding = options.padding ?? 4;
  const textGap = options.textGap ?? 2;
  const textScale = options.textScale ?? 1;
  const maxCaptionLines = options.maxCaptionLines ?? 2;
  const background = options.background ?? [24, 24, 24];
  const textColor = options.textColor ?? [235, 235, 235];
  const idColor = options.idColor ?? [150, 150, 150];
  for (const [name, value] of Object.entries({ maxFrames, scale, textScale })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`contact sheet ${name} must be a positive integer, got ${value}`);
  }
  for (const [name, value] of Object.entries({ gap, padding, textGap, maxCaptionLines })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`contact sheet ${name} must be a non-negative integer, got ${value}`);
  }

  const columns = Math.min(maxFrames, maxT);
  const cellW = maxW * scale;
  const width = 2 * padding + columns * cellW + (columns - 1) * gap;
  const textWidth = width - 2 * padding;
  const lineHeight = LINE_HEIGHT * textScale;

  const rows = clips.map((clip) => {
    const idLines = clip.id ? wrapText(clip.id, textWidth, { scale: textScale, maxLines: 1 }) : [];
    const captionLines = clip.caption.trim() ? wrapText(clip.caption, textWidth, { scale: textScale, maxLines: maxCaptionLines }) : [];
    const textLines = idLines.length + captionLines.length;
    const framesHeight = clip.shape[1] * scale;
    const height = framesHeight + (textLines > 0 ? textGap + textLines * lineHeight : 0);
    return { clip, idLines, captionLines, framesHeight, height };
  });
  const height = 2 * padding + rows.reduce((sum, row) => sum + row.height, 0) + (rows.length - 1) * gap;

  const sheet = createRgbImage(width, height, background);
  const raster = { ...sheet, channels: 3 } as const;
  let y = padding;
  for (const row of rows) {
    const { frames, shape } = row.clip;
    sampleFrameIndices(shape[0], maxFrames).forEach((t, i) => {
      blitFrame(frames, shape, t, raster, padding + i * (cellW + gap), y, scale);
    });
    let textY = y + row.framesHeight + textGap;
    for (const [lines, color] of [[row.idLines, idColor], [row.captionLines, textColor]] as const) {
      for (const line of lines) {
        drawText(sheet, padding, textY, line, color, textScale);
        textY += lineHeight;
      }
    }
    y += row.height + gap;
  }
  return sheet;
}
