import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import '../../../models/io/fileSystemIO.ts';
import {
  conditioningAugmentation,
  conditioningAugmentationModel,
  klLoss,
  reparameterize,
  sampleEpsilon,
} from '../../../models/text/conditioningAugmentation.ts';
import { tempDir } from '../../helpers/tmp.ts';

before(async () => {
  await selectBackend('cpu');
});

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

function bytes(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

test('klLoss equals the hand-computed value', () => {
  // mu = [1, 0], sigma = [1, 2]: 0.5 * ((1 + 1 - 1 - 0) + (0 + 4 - 1 - 2 ln 2)) = 0.5 * (4 - 2 ln 2) = 2 - ln 2
  const one = klLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, Math.LN2]]));
  assert.deepEqual(one.shape, []);
  close(one.dataSync()[0]!, 2 - Math.LN2, 1e-6, 'KL of one item');
  // Mean over the batch: the second item is N(0, I) itself (KL 0); the third has sigma = 1/2, mu = [0, 3].
  const third = 0.5 * ((0 + 0.25 - 1 + 2 * Math.LN2) + (9 + 1 - 1 - 0));
  const batch = klLoss(tf.tensor2d([[1, 0], [0, 0], [0, 3]]), tf.tensor2d([[0, Math.LN2], [0, 0], [-Math.LN2, 0]]));
  close(batch.dataSync()[0]!, (2 - Math.LN2 + 0 + third) / 3, 1e-6, 'KL batch mean');
});

test('klLoss is 0 for mu = 0, sigma = 1; its gradient is (mu, sigma^2 - 1) / batch', () => {
  assert.equal(klLoss(tf.zeros([4, 7]), tf.zeros([4, 7])).dataSync()[0], 0);
  const mu = tf.tensor2d([[1, -2], [0.5, 0]]);
  const logSigma = tf.tensor2d([[0, Math.LN2], [-1, 0.3]]);
  const [dMu, dLogSigma] = tf.grads((m: tf.Tensor, s: tf.Tensor) => klLoss(m, s))([mu, logSigma]);
  assert.ok(tf.max(tf.abs(tf.sub(dMu!, tf.div(mu, 2)))).dataSync()[0]! < 1e-6);
  const expected = tf.div(tf.sub(tf.exp(tf.mul(logSigma, 2)), 1), 2);
  assert.ok(tf.max(tf.abs(tf.sub(dLogSigma!, expected))).dataSync()[0]! < 1e-6);
  assert.throws(() => klLoss(tf.zeros([2, 3]), tf.zeros([2, 4])), RangeError);
});

test('samples c = mu + sigma * eps have mean mu and std sigma; seeded', () => {
  const n = 20000;
  const muRow = [0.5, -1, 2];
  const sigmaRow = [1, 0.5, 2];
  const mu = tf.tile(tf.tensor2d([muRow]), [n, 1]);
  const logSigma = tf.tile(tf.log(tf.tensor2d([sigmaRow])), [n, 1]);
  const c = reparameterize(mu, logSigma, sampleEpsilon([n, 3], 123));
  const { mean, variance } = tf.moments(c, 0);
  const means = mean.dataSync();
  const stds = tf.sqrt(variance).dataSync();
  muRow.forEach((m, j) => close(means[j]!, m, (4 * sigmaRow[j]!) / Math.sqrt(n), `mean ${j}`));
  sigmaRow.forEach((s, j) => close(stds[j]!, s, 0.03 * s, `std ${j}`));
  // Same seed, same samples; another seed, others.
  assert.ok(bytes(sampleEpsilon([5, 3], 9)).equals(bytes(sampleEpsilon([5, 3], 9))));
  assert.ok(!bytes(sampleEpsilon([5, 3], 9)).equals(bytes(sampleEpsilon([5, 3], 10))));
});

test('the CA model: shapes, c = mu without sampling, trains inside optimizer.minimize (variableGrads)', () => {
  const model = conditioningAugmentationModel({ inputDim: 6, conditionDim: 4, seed: 1 });
  const sentence = tf.randomNormal([8, 6], 0, 1, 'float32', 2);
  const { c, mu, logSigma, kl } = conditioningAugmentation(model, sentence, { seed: 5 });
  assert.deepEqual([c.shape, mu.shape, logSigma.shape, kl.shape], [[8, 4], [8, 4], [8, 4], []]);
  close(kl.dataSync()[0]!, klLoss(mu, logSigma).dataSync()[0]!, 0, 'kl');
  const again = conditioningAugmentation(model, sentence, { seed: 5 });
  assert.ok(bytes(again.c).equals(bytes(c)), 'same seed, same c');
  const plain = conditioningAugmentation(model, sentence, { seed: 5, sample: false });
  assert.ok(bytes(plain.c).equals(bytes(plain.mu)));

  // Pull c towards a target while the KL keeps the posterior near N(0, I) (StackGAN weight 2).
  const target = tf.fill([8, 4], 0.7);
  const optimizer = tf.train.adam(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 25; step++) {
    const loss = optimizer.minimize(() => {
      const out = conditioningAugmentation(model, sentence, { seed: 1000 + step });
      return tf.add(tf.losses.meanSquaredError(target, out.c), tf.mul(out.kl, 0.1)) as tf.Scalar;
    }, true, model.trainableWeights.map((w) => w.read() as tf.Variable))!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  const average = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(average(losses.slice(-5)) < 0.5 * average(losses.slice(0, 5)), `loss went ${losses.map((l) => l.toFixed(2)).join(' ')}`);
});

test('save to file:// and load: bit-identical mu and logSigma', async () => {
  const dir = join(await tempDir(), 'ca');
  const model = conditioningAugmentationModel({ inputDim: 5, conditionDim: 3, activation: 'relu', seed: 8 });
  await model.save(`file://${dir}`);
  const back = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
  const sentence = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
  const [mu, logSigma] = model.predict(sentence) as tf.Tensor[];
  const [mu2, logSigma2] = back.predict(sentence) as tf.Tensor[];
  assert.ok(bytes(mu!).equals(bytes(mu2!)));
  assert.ok(bytes(logSigma!).equals(bytes(logSigma2!)));
  assert.deepEqual(back.getUserDefinedMetadata(), model.getUserDefinedMetadata());
});
