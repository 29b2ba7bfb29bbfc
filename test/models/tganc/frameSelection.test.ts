import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { frameSelection, selectFrames } from '../../../models/tganc/frameSelection.ts';
import { tinyTganArgs } from '../../../models/tganc/TganConfig.ts';
import { TganModel } from '../../../models/tganc/TganModel.ts';
import { trainBatch } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

test('frame selection: distinct sorted frames per clip, consecutive windows, the same for the same seed and step', () => {
  const frames = frameSelection('frame', 50, 16, 4, 3, 7);
  for (const f of frames) {
    assert.equal(new Set(f).size, 4);
    assert.deepEqual(f, [...f].sort((a, b) => a - b));
    assert.ok(f.every((i) => i >= 0 && i < 16));
  }
  assert.ok(new Set(frames.map((f) => f.join())).size > 10, 'clips get different frames');
  assert.deepEqual(frameSelection('frame', 50, 16, 4, 3, 7), frames);
  assert.notDeepEqual(frameSelection('frame', 50, 16, 4, 3, 8), frames);
  const windows = frameSelection('motion', 50, 16, 6, 3, 7);
  for (const w of windows) {
    assert.ok(w[0]! >= 0 && w[5]! <= 15);
    w.forEach((v, i) => assert.equal(v, w[0]! + i));
  }
});

test('selectFrames picks the frames and passes gradients back to exactly them', () => {
  const videos = tf.tensor5d(Array.from({ length: 2 * 5 * 2 * 2 }, (_, i) => i), [2, 5, 2, 2, 1]);
  const selection = [[0, 3], [1, 4]];
  const picked = selectFrames(videos, selection);
  assert.deepEqual(picked.shape, [2, 2, 2, 2, 1]);
  const data = picked.arraySync() as number[][][][][];
  assert.equal(data[0]![1]![0]![0]![0], 3 * 4);
  assert.equal(data[1]![0]![0]![0]![0], (5 + 1) * 4);
  const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(selectFrames(v as tf.Tensor5D, selection), 2)))(videos);
  const perFrame = (tf.sum(grad.reshape([10, 4]), 1).arraySync() as number[]);
  assert.deepEqual(perFrame, [8, 0, 0, 8, 0, 0, 8, 0, 0, 8]);
});

test('a model whose frame and motion discriminators see sampled frames trains: finite losses, logits per seen frame', () => {
  const args = tinyTganArgs({ frames: 4, frameSamples: 2, motionWindow: 3 });
  const model = new TganModel(args);
  assert.deepEqual(model.discriminator('frame')!.model.outputs[0]!.shape, [null, 2]);
  assert.deepEqual(model.discriminator('motion')!.model.outputs[0]!.shape, [null, 2]);
  const batch = trainBatch(args, 2, 4);
  for (let i = 0; i < 2; i++) {
    const r = model.trainStep(batch);
    assert.ok(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss));
  }
  assert.throws(() => new TganModel(tinyTganArgs({ frameSamples: 5 })), /frameSamples must be a whole number from 1 to frames \(4\)/);
  model.dispose();
  tf.dispose(Object.values(batch));
});
