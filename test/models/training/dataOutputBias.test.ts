/** outputBias: auto — the tanh bias that matches a mean pixel, and the mean pixel of a dataset. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { meanPixel, tanhBiasForMean } from '../../../models/training/dataOutputBias.ts';
import { Dataset } from '../../../datasets/shards/Dataset.ts';
import { ShardWriter } from '../../../datasets/shards/ShardWriter.ts';
import { tempDir } from '../../helpers/tmp.ts';
import type { Clip } from '../../../datasets/clip.ts';

test('tanhBiasForMean: tanh(bias) lands on the mean in [-1, 1] pixels, within ±3', () => {
  assert.equal(tanhBiasForMean(0.5), 0);
  for (const mean of [0.026, 0.2, 0.9]) {
    const bias = tanhBiasForMean(mean);
    assert.ok(Math.abs((Math.tanh(bias) + 1) / 2 - mean) < 1e-12, `mean ${mean}: bias ${bias}`);
  }
  assert.ok(Math.abs(tanhBiasForMean(0.026) + 1.81) < 0.01, 'bouncing digits: about -1.8');
  assert.ok(Math.abs(tanhBiasForMean(0) + 3) < 1e-12 && Math.abs(tanhBiasForMean(1) - 3) < 1e-12, 'all black / all white: ±3');
  assert.throws(() => tanhBiasForMean(1.5), RangeError);
});

test('meanPixel averages the train clips only', async () => {
  const dir = join(await tempDir(), 'data');
  const writer = await ShardWriter.create({ out: dir, maxShardBytes: 1 << 20, name: 'means' });
  const clip = (id: string, split: 'train' | 'val', byte: number): Clip => ({ id, split, caption: 'x', tokens: ['x'], source: 'test', attributes: {}, shape: [2, 2, 2, 1], frames: new Uint8Array(8).fill(byte) });
  await writer.add(clip('a', 'train', 51));
  await writer.add(clip('b', 'val', 255));
  await writer.add(clip('c', 'train', 102));
  await writer.finish();
  const dataset = await Dataset.open(dir);
  assert.ok(Math.abs((await meanPixel(dataset)) - 76.5 / 255) < 1e-12);
  assert.ok(Math.abs((await meanPixel(dataset, 1)) - 51 / 255) < 1e-12, 'limit: the first clips');
});
