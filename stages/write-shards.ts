import { resolve } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';
import { ShardWriter } from '../datasets/shards/ShardWriter.ts';

/** Writes clips as a t2v shard dataset (see the README's "Shard format"), atomically. */
export const writeShardsStage = defineSink({
  name: 'write-shards',
  description: 'Write clips into a dataset folder of fixed-shape uint8 shards plus JSONL indexes.',
  version: 1,
  kind: 'sink',
  input: 'Clip',
  // One writer, one file at a time: bytes depend only on the order of clips.
  maxConcurrency: 1,
  config: z.strictObject({
    out: z.string().min(1),
    /** Shards close before growing past this size. */
    maxShardMB: z.number().positive().default(64),
    /** Name recorded in dataset.json; defaults to the folder name. */
    name: z.string().optional(),
  }),
  outputs: (config) => [config.out],
  async open(config, context) {
    const out = resolve(context.cwd, config.out);
    const writer = await ShardWriter.create({
      out,
      maxShardBytes: Math.floor(config.maxShardMB * 1024 * 1024),
      name: config.name ?? out.split(/[\\/]/).pop()!,
    });
    return {
      consume: (clip) => writer.add(clip),
      async finish() {
        const meta = await writer.finish();
        context.log(`wrote ${meta.clips} clips in ${meta.shards.length} shard(s) to ${out}`);
        return { out, clips: meta.clips, shards: meta.shards.length, splits: meta.splits };
      },
      abort: () => writer.abort(),
    };
  },
});
