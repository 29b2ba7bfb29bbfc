import type { Split } from '../clip.ts';
import type { ReaderReject } from '../segment.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';

/** Which split a reader yields: one of them, or `all` (each segment keeps its own split). */
export type SplitChoice = Split | 'all';

export function reject(item: string, reason: string): ReaderReject {
  return { reject: true, item, reason };
}

/** The segment limit as a number (`Infinity` when absent); a DatasetError naming `root` when it is not a whole number ≥ 0. */
export function checkLimit(root: string, limit: number | undefined): number {
  if (limit === undefined) return Infinity;
  if (!Number.isInteger(limit) || limit < 0) throw new DatasetError(root, `limit must be a whole number ≥ 0, got ${limit}`);
  return limit;
}

/** A DatasetError naming `root` unless `split` is `train`, `val`, `test` (or `all` when allowed). */
export function checkSplit(root: string, split: string | undefined, allowAll: boolean): void {
  const ok = ['train', 'val', 'test', ...(allowAll ? ['all'] : [])];
  if (split !== undefined && !ok.includes(split)) throw new DatasetError(root, `split must be one of ${ok.join(', ')}, got '${split}'`);
}

/** Collapse runs of white space to one space and trim (captions spanning lines, stray tabs). */
export function normalizeSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
