import { z } from 'zod';
import { defineTransform } from '../pipeline/core/StageType.ts';
import type { ClipBatch } from '../datasets/batch.ts';
import type { Clip } from '../datasets/clip.ts';

/** Groups clips into fixed-size batches for training; the last partial batch is kept or dropped. */
export const batchStage = defineTransform({
  name: 'batch',
  description: 'Group clips into batches of `size` (the last partial batch kept unless dropLast).',
  version: 1,
  kind: 'transform',
  input: 'Clip',
  output: 'ClipBatch',
  // Batches are formed in arrival order; one at a time keeps that order.
  maxConcurrency: 1,
  config: z.strictObject({
    size: z.number().int().min(1).max(4096),
    dropLast: z.boolean().default(false),
  }),
  open(c) {
    let pending: Clip[] = [];
    let index = 0;
    return {
      process(clip): ClipBatch[] {
        pending.push(clip);
        if (pending.length < c.size) return [];
        const batch = { index: index++, clips: pending };
        pending = [];
        return [batch];
      },
      flush(): ClipBatch[] {
        return pending.length && !c.dropLast ? [{ index: index++, clips: pending }] : [];
      },
    };
  },
});
