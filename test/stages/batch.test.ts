import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchStage } from '../../stages/batch.ts';
import type { Clip } from '../../datasets/clip.ts';
import type { StageContext } from '../../pipeline/core/StageContext.ts';

const clip = (n: number) => ({ id: `c${n}` }) as Clip;
const context = {} as StageContext;

test('batch groups clips in order and keeps or drops the last partial batch', async () => {
  for (const dropLast of [false, true]) {
    const batcher = await batchStage.open(batchStage.config.parse({ size: 3, dropLast }), context);
    const batches = [];
    for (let n = 0; n < 8; n++) batches.push(...(batcher.process(clip(n)) as unknown as { index: number; clips: Clip[] }[]));
    batches.push(...(batcher.flush!() as unknown as { index: number; clips: Clip[] }[]));
    const ids = batches.map((b) => [b.index, b.clips.map((c) => c.id).join(',')]);
    const full = [[0, 'c0,c1,c2'], [1, 'c3,c4,c5']];
    assert.deepEqual(ids, dropLast ? full : [...full, [2, 'c6,c7']]);
  }
});
