/** Learning-rate schedules, and TganModel.setLearningRateScale applying one to every optimiser. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { learningRateScale } from '../../../models/training/learningRateSchedule.ts';
import { tganPreset } from '../../../models/tganc/tganPresets.ts';
import { TganModel } from '../../../models/tganc/TganModel.ts';
import { trainBatch } from '../tganc/helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

test('none is 1 throughout; linear falls from 1 at the first update to 0 at the last step, never below', () => {
  assert.deepEqual([0, 50, 100, 150].map((s) => learningRateScale('none', s, 100)), [1, 1, 1, 1]);
  assert.deepEqual([0, 25, 50, 99, 100, 150].map((s) => learningRateScale('linear', s, 100)), [1, 0.75, 0.5, 0.010000000000000009, 0, 0]);
});

test('setLearningRateScale scales every optimiser from its own configured rate; scale 0 freezes the trainable weights', () => {
  const args = { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1 as const, seed: 3, learningRates: { generator: 4e-4, video: 1e-4, frame: 2e-4, motion: 3e-4 } };
  const model = new TganModel(args);
  const rate = (name: keyof typeof model.optimizers) => (model.optimizers[name] as unknown as { learningRate: number }).learningRate;
  model.setLearningRateScale(0.5);
  assert.deepEqual([rate('generator'), rate('video'), rate('frame'), rate('motion')], [2e-4, 0.5e-4, 1e-4, 1.5e-4]);
  model.setLearningRateScale(1);
  assert.equal(rate('generator'), 4e-4, 'from the configured rate, not compounding');

  model.setLearningRateScale(0);
  const trainable = () => [model.generator, ...model.discriminators.map((d) => d.model)].flatMap((m) => m.trainableWeights.map((w) => Buffer.from((w.read().dataSync() as Float32Array).slice().buffer)));
  const before = trainable();
  const batch = trainBatch(model.args, 2, 1);
  model.trainStep(batch);
  assert.deepEqual(trainable(), before, 'no trainable weight moved at learning rate 0');
  model.setLearningRateScale(1);
  model.trainStep(batch);
  assert.notDeepEqual(trainable(), before);
  assert.throws(() => model.setLearningRateScale(-1), /learning-rate scale must be a number >= 0, got -1/);
  tf.dispose(Object.values(batch));
  model.dispose();
});
