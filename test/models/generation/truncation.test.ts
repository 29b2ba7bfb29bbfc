/** The truncation trick: noise times ψ for TGANs-C and both noises of StackGAN-I -> VGAN; ψ = 1 is training's noise. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { sampleNoise } from '../../../models/tganc/seeds.ts';
import { jobNoise } from '../../../models/stackvgan/twoStageGeneration.ts';
import { checkTruncation } from '../../../models/generation/truncation.ts';

before(async () => {
  await selectBackend('cpu');
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());

test('sampleNoise: ψ scales the seeded draw; ψ = 1 (the default) is the untouched draw', () => {
  const full = sampleNoise(3, 8, 42);
  const one = sampleNoise(3, 8, 42, 1);
  const half = sampleNoise(3, 8, 42, 0.5);
  assert.deepEqual(values(one), values(full));
  values(half).forEach((v, i) => assert.ok(Math.abs(v - 0.5 * values(full)[i]!) < 1e-7, `entry ${i}`));
  assert.throws(() => sampleNoise(1, 4, 1, 0), /truncation must be in \(0, 1\] \(1: none\), got 0/);
  assert.throws(() => sampleNoise(1, 4, 1, 1.5), /got 1\.5/);
  assert.throws(() => checkTruncation(Number.NaN), /got NaN/);
  tf.dispose([full, one, half]);
});

test('jobNoise: ψ scales both stages\' noise, not the conditioning augmentation\'s', () => {
  const model = { conditionDim: 4, imageNoiseDim: 6, videoNoiseDim: 5 };
  const a = jobNoise(model, [1, 2]);
  const b = jobNoise(model, [1, 2], 0.25);
  for (const key of ['z1', 'z2'] as const) values(b[key]).forEach((v, i) => assert.ok(Math.abs(v - 0.25 * values(a[key])[i]!) < 1e-7, `${key}[${i}]`));
  assert.deepEqual(values(b.eps), values(a.eps));
  tf.dispose([...Object.values(a), ...Object.values(b)]);
});
