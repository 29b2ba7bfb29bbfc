import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import { Dataset } from '../datasets/shards/Dataset.ts';
import { META_FILE, type DatasetMeta } from '../datasets/shards/format.ts';

const config = z.strictObject({
  dataset: z.string().min(1),
  split: z.enum(['train', 'val', 'test']).optional(),
  /** Shuffle with this seed (shard order and a buffered shuffle); omit to read in stored order. */
  shuffleSeed: z.number().int().optional(),
  shuffleBuffer: z.number().int().min(1).default(256),
  limit: z.number().int().min(0).optional(),
});

/** Streams clips from a shard dataset: one split or all, in order or shuffled by seed. */
export const readShardsStage = defineSource({
  name: 'read-shards',
  description: 'Read clips from a t2v shard dataset as a stream (optionally one split, shuffled by seed).',
  version: 1,
  kind: 'source',
  output: 'Clip',
  config,
  inputs: (c) => [c.dataset],
  total(c) {
    try {
      // Best effort, for the progress bar only; open() reports a missing dataset properly.
      const meta = JSON.parse(readFileSync(join(c.dataset, META_FILE), 'utf8')) as DatasetMeta;
      const count = c.split ? (meta.splits[c.split] ?? 0) : meta.clips;
      return Math.min(count, c.limit ?? Infinity);
    } catch {
      return undefined;
    }
  },
  async open(c, context) {
    const dataset = await Dataset.open(resolve(context.cwd, c.dataset));
    return dataset.stream({ split: c.split, shuffleSeed: c.shuffleSeed, shuffleBuffer: c.shuffleBuffer, limit: c.limit });
  },
});
