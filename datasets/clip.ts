import type { CaptionAnnotation } from '../text/annotateCaption.ts';

/** The item every dataset stage produces and consumes: one fixed-shape video clip and its caption. */
export type Split = 'train' | 'val' | 'test';

export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** Frame tensor shape: [frames T, height H, width W, channels C]. */
export type ClipShape = [t: number, h: number, w: number, c: number];

export interface Clip {
  /** Unique within a dataset. */
  id: string;
  /** uint8 pixels, row-major [T, H, W, C]; length T*H*W*C. */
  frames: Uint8Array;
  shape: ClipShape;
  caption: string;
  /** Lower-case word tokens of the caption. */
  tokens: string[];
  split: Split;
  /** Where the clip came from, e.g. `sbmg`, `shapes`, `msvd`. */
  source: string;
  /** Dataset-specific labels (digit, motion, colour, ...), kept in the shard index. */
  attributes: Record<string, unknown>;
  /**
   * Every caption of the clip with its annotation (real datasets have several per clip; the first is
   * `caption`). Absent for synthetic clips, whose one caption is `caption`.
   */
  captions?: CaptionRecord[];
  /** `human` (annotators), `derived` (made from labels, as for KTH) or `template` (synthetic). */
  captionSource?: CaptionSource;
}

export type CaptionSource = 'human' | 'derived' | 'template';

/** One caption and, once the annotate stage has run, its tokens, lemmas, POS, actions and entities. */
export type CaptionRecord = { text: string } & Partial<CaptionAnnotation>;

export function clipByteLength(shape: ClipShape): number {
  return shape[0] * shape[1] * shape[2] * shape[3];
}

/** Lower-case word tokens: letters, digits and apostrophes; punctuation dropped. */
export function tokenize(caption: string): string[] {
  return caption.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}
