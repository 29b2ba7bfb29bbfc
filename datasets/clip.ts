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
}

export function clipByteLength(shape: ClipShape): number {
  return shape[0] * shape[1] * shape[2] * shape[3];
}

/** Lower-case word tokens: letters, digits and apostrophes; punctuation dropped. */
export function tokenize(caption: string): string[] {
  return caption.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}
