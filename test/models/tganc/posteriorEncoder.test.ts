/** The reconstruction loss's posterior encoder: output shape, seeded weights, and the reparameterised sample's KL. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { tinyTganArgs } from '../../../models/tganc/TganConfig.ts';
import { buildPosteriorEncoder, samplePosterior } from '../../../models/tganc/posteriorEncoder.ts';
import { weightBits } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

test('clip -> [N, 2·noiseDim]; the same seed gives the same weights, another seed others', () => {
  const args = tinyTganArgs();
  const a = buildPosteriorEncoder(args);
  const b = buildPosteriorEncoder(args);
  const c = buildPosteriorEncoder({ ...args, seed: 2 });
  const clip = tf.randomUniform([3, args.frames, args.size, args.size, args.channels], -1, 1, 'float32', 1);
  const out = a.predict(clip) as tf.Tensor;
  assert.deepEqual(out.shape, [3, 2 * args.noiseDim]);
  assert.deepEqual(weightBits(b), weightBits(a));
  assert.notDeepEqual(weightBits(c), weightBits(a));
  for (const m of [a, b, c]) m.dispose();
  tf.dispose([clip, out]);
});

test('samplePosterior: z = mu + sigma · eps, and KL against N(0, I) by its closed form', () => {
  // Two clips, z of 2: clip 0 at the prior (KL 0); clip 1 with mu (1, -2), log-variance (0, ln 4).
  const moments = tf.tensor2d([[0, 0, 0, 0], [1, -2, 0, Math.log(4)]]);
  const eps = tf.tensor2d([[0.5, -1], [1, 1]]);
  const { z, kl } = samplePosterior(moments, eps);
  const zs = z.arraySync();
  assert.deepEqual(zs[0], [0.5, -1]);
  assert.ok(Math.abs(zs[1]![0]! - 2) < 1e-6 && Math.abs(zs[1]![1]! - 0) < 1e-6, `z ${zs[1]}`);
  // Clip 1: 0.5·(1 + 1 − 1 − 0) + 0.5·(4 + 4 − 1 − ln 4) = 0.5 + 3.5 − 0.5·ln 4; the mean over 2 clips.
  const expected = (0.5 + 3.5 - 0.5 * Math.log(4)) / 2;
  assert.ok(Math.abs(kl.dataSync()[0]! - expected) < 1e-5, `kl ${kl.dataSync()[0]} vs ${expected}`);
  tf.dispose([moments, eps, z, kl]);
});
