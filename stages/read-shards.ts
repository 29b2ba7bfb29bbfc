import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import { Dataset } from '../datasets/shards/Dataset.ts';
import { META_FILE, type DatasetMeta } from '../datasets/shards/format.ts';
import type { Clip } from '../datasets/clip.ts';

const config = z.strictObject({
  dataset: z.string().min(1),
  split: z.enum(['train', 'val', 'test']).optional(),
  /** Shuffle with this seed (shard order and a buffered shuffle); omit to read in stored order. */
  shuffleSeed: z.number().int().optional(),
  shuffleBuffer: z.number().int().min(1).default(256),
  limit: z.number().int().min(0).optional(),
  /** Passes over the data, reshuffled each time (seed + pass); 0 repeats until downstream is done (training). */
  epochs: z.number().int().min(0).default(1),
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
      return c.epochs === 0 ? undefined : Math.min(count * c.epochs, c.limit ?? Infinity);
    } catch {
      return undefined;
    }
  },
  async open(c, context) {
    const dataset = await Dataset.open(resolve(context.cwd, c.dataset));
    return passes(dataset, c);
  },
});

/** The dataset `epochs` times (forever for 0), each pass shuffled with its own seed; `limit` caps the total. */
async function* passes(dataset: Dataset, c: z.infer<typeof config>): AsyncGenerator<Clip> {
  let left = c.limit ?? Infinity;
  for (let pass = 0; (c.epochs === 0 || pass < c.epochs) && left > 0; pass++) {
    const shuffleSeed = c.shuffleSeed === undefined ? undefined : c.shuffleSeed + pass;
    let yielded = 0;
    for await (const clip of dataset.stream({ split: c.split, shuffleSeed, shuffleBuffer: c.shuffleBuffer, limit: left })) {
      yielded++;
      yield clip;
    }
    if (yielded === 0) return; // an empty split would otherwise loop forever
    left -= yielded;
  }
}
