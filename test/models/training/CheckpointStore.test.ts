import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import '../../../models/io/fileSystemIO.ts';
import { CheckpointStore } from '../../../models/training/CheckpointStore.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('checkpoints round-trip models, tensors and state exactly, keeping the newest K', async () => {
  await selectBackend('cpu');
  const dir = await tempDir();
  const store = new CheckpointStore(join(dir, 'ckpt'), 2);
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) })] });
  const slot = tf.tensor2d([[1.5, -2], [3, 4.25]]);
  for (const step of [10, 20, 30]) await store.save(step, { models: { generator: model }, tensors: { 'adam/m': slot }, state: { rng: [1, 2, 3, step] } });

  assert.deepEqual(await store.steps(), [20, 30]);
  assert.equal(await store.latest(), 30);
  assert.deepEqual((await readdir(join(dir, 'ckpt'))).sort(), ['step-00000020', 'step-00000030'], 'no staging folders left');
  const loaded = await store.load(30);
  assert.deepEqual(loaded.state.rng, [1, 2, 3, 30]);
  assert.deepEqual(await loaded.tensors['adam/m'].data(), await slot.data());
  const reloaded = await tf.loadLayersModel(`file://${join(loaded.modelDirs.generator, 'model.json')}`);
  const x = tf.randomNormal([2, 4], 0, 1, 'float32', 5);
  assert.deepEqual(Buffer.from((await (reloaded.predict(x) as tf.Tensor).data()).buffer), Buffer.from((await (model.predict(x) as tf.Tensor).data()).buffer));
});
