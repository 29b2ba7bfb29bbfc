import type { CaptionRecord, CaptionSource, ClipShape, Split } from '../clip.ts';

/**
 * The prepared-dataset format ("t2v shards"). A dataset is a folder:
 *
 *   dataset.json          DatasetMeta: shape, counts, the list of shards with sizes and checksums
 *   shard-00000.bin       clip frames back to back, each exactly T*H*W*C uint8 bytes ([T,H,W,C] row-major)
 *   shard-00000.jsonl     one ShardIndexEntry per clip, in the order of the .bin
 *   vocabulary.json       (optional) the caption vocabulary, see text/Vocabulary.ts
 *   word-vectors.f32      (optional) float32 [words, dim] rows in vocabulary order, + .json header
 *
 * Every clip has the same shape, so clip k of a shard starts at k * clipBytes; `offset` is stored anyway
 * so readers need no arithmetic and can check it.
 */
export const FORMAT = 't2v-shards';
export const FORMAT_VERSION = 1;
export const META_FILE = 'dataset.json';

export interface ShardInfo {
  /** File names relative to the dataset folder. */
  bin: string;
  index: string;
  clips: number;
  bytes: number;
  /** sha256 of the .bin, hex. */
  sha256: string;
}

export interface DatasetMeta {
  format: typeof FORMAT;
  version: number;
  /** Free-form name, e.g. the DAG that made it. */
  name: string;
  /** [T, H, W, C] of every clip. */
  shape: ClipShape;
  dtype: 'uint8';
  layout: 'THWC';
  clipBytes: number;
  clips: number;
  splits: Partial<Record<Split, number>>;
  sources: Record<string, number>;
  shards: ShardInfo[];
  /** Dataset-level facts from the stage config (e.g. held-out combinations). */
  attributes: Record<string, unknown>;
}

export interface ShardIndexEntry {
  id: string;
  /** Byte offset of the clip's frames in the shard's .bin. */
  offset: number;
  caption: string;
  tokens: string[];
  split: Split;
  source: string;
  attributes: Record<string, unknown>;
  /** All captions with annotations (real datasets); absent when the clip has just `caption`. */
  captions?: CaptionRecord[];
  captionSource?: CaptionSource;
}

export function shardNames(index: number): { bin: string; index: string } {
  const stem = `shard-${String(index).padStart(5, '0')}`;
  return { bin: `${stem}.bin`, index: `${stem}.jsonl` };
}
