/** Losses on hand-computed cases. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import {
  generatorAdversarialLoss,
  matchingDiscriminatorLoss,
  sigmoidCrossEntropy,
  temporalCoherenceLoss,
  weightedSum,
  wordPredictionLoss,
} from '../../../models/tganc/losses.ts';

before(async () => {
  await selectBackend('cpu');
});

const softplus = (x: number): number => Math.log1p(Math.exp(x));
const close = (got: number, want: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
const value = (t: tf.Tensor): number => t.dataSync()[0]!;

test('sigmoid cross-entropy of known logits', () => {
  // x = 0: -log(1/2) = ln 2 for either label.
  close(value(sigmoidCrossEntropy(tf.tensor1d([0]), 1)), Math.LN2, 'x=0, y=1');
  close(value(sigmoidCrossEntropy(tf.tensor1d([0]), 0)), Math.LN2, 'x=0, y=0');
  // x = ln 3: σ = 3/4, -log(3/4) for y=1, -log(1/4) for y=0.
  close(value(sigmoidCrossEntropy(tf.tensor1d([Math.log(3)]), 1)), -Math.log(0.75), 'ln3, y=1');
  close(value(sigmoidCrossEntropy(tf.tensor1d([Math.log(3)]), 0)), -Math.log(0.25), 'ln3, y=0');
  // Mean over a [2, 2] batch, mixed signs, and a soft target 0.25.
  const x = [2, -1, 0.5, -3];
  const want = x.reduce((s, v) => s + softplus(v) - 0.25 * v, 0) / 4;
  close(value(sigmoidCrossEntropy(tf.tensor2d(x, [2, 2]), 0.25)), want, 'soft target');
  // Large logits stay finite and exact.
  close(value(sigmoidCrossEntropy(tf.tensor1d([100]), 0)), 100, 'x=100, y=0');
  close(value(sigmoidCrossEntropy(tf.tensor1d([100]), 1)), 0, 'x=100, y=1');
  close(value(sigmoidCrossEntropy(tf.tensor1d([-100]), 1)), 100, 'x=-100, y=1');
  assert.throws(() => sigmoidCrossEntropy(tf.tensor1d([0]), 2), RangeError);
});

test('matching-aware discriminator loss: three terms, weighted', () => {
  const realRight = tf.tensor2d([[2], [1]]);
  const fakeRight = tf.tensor2d([[-1], [0]]);
  const realWrong = tf.tensor2d([[0.5], [-2]]);
  const real = (softplus(-2) + softplus(-1)) / 2;
  const fake = (softplus(-1) + softplus(0)) / 2;
  const wrong = (softplus(0.5) + softplus(-2)) / 2;
  const m = matchingDiscriminatorLoss({ realRight, fakeRight, realWrong });
  close(value(m.realTerm), real, 'real term');
  close(value(m.fakeTerm), fake, 'fake term');
  close(value(m.wrongTerm), wrong, 'wrong term');
  close(value(m.loss), real + fake + wrong, 'default weights 1, 1, 1');
  const balanced = matchingDiscriminatorLoss({ realRight, fakeRight, realWrong }, { real: 1, fake: 0.5, wrong: 0.5 });
  close(value(balanced.loss), real + 0.5 * (fake + wrong), 'StackGAN weights');
  // One-sided label smoothing: only the real pairs' target moves (to 0.9).
  const smoothed = matchingDiscriminatorLoss({ realRight, fakeRight, realWrong }, undefined, 0.9);
  close(value(smoothed.realTerm), (softplus(2) - 0.9 * 2 + softplus(1) - 0.9 * 1) / 2, 'real term, target 0.9');
  close(value(smoothed.fakeTerm), fake, 'fake term unchanged');
});

test('per-frame logits are averaged over clips and frames', () => {
  // Frame discriminator logits [N=2, T=3].
  const logits = [
    [1, 2, 3],
    [-1, 0, 4],
  ];
  const want = logits.flat().reduce((s, v) => s + softplus(-v), 0) / 6;
  close(value(generatorAdversarialLoss(tf.tensor2d(logits))), want, 'generator loss, label 1');
  const m = matchingDiscriminatorLoss({ realRight: tf.tensor2d(logits), fakeRight: tf.zeros([2, 3]), realWrong: tf.zeros([2, 3]) });
  close(value(m.loss), want + 2 * Math.LN2, 'D loss');
});

test('temporal coherence: mean squared difference of consecutive frames', () => {
  // N=1, T=3, 1x2 pixels, 1 channel: frames [0,0], [1,2], [1,4] -> diffs [1,2], [0,2] -> (1+4+0+4)/4.
  const v = tf.tensor5d([0, 0, 1, 2, 1, 4], [1, 3, 1, 2, 1]);
  close(value(temporalCoherenceLoss(v)), 9 / 4, 'tc');
  // A static clip has none.
  close(value(temporalCoherenceLoss(tf.ones([2, 4, 3, 3, 3]) as tf.Tensor5D)), 0, 'static');
  assert.throws(() => temporalCoherenceLoss(tf.zeros([1, 1, 2, 2, 1]) as tf.Tensor5D), RangeError);
});

test('weightedSum leaves out zero weights', () => {
  const s = weightedSum({ a: tf.scalar(2), b: tf.scalar(3), c: tf.scalar(100) }, { a: 0.5, b: 2, c: 0 });
  close(value(s), 7, 'sum');
  close(value(weightedSum({ a: tf.scalar(2) }, {})), 0, 'empty');
});

test('word prediction: cross-entropy summed over the vocabulary, averaged over clips', () => {
  // Two clips, three words: clip 0 holds words 0 and 2, clip 1 holds word 1.
  const logits = [[2, -1, 0], [0.5, 3, -2]];
  const targets = [[1, 0, 1], [0, 1, 0]];
  let want = 0;
  logits.forEach((row, i) => row.forEach((x, j) => (want += softplus(x) - targets[i]![j]! * x)));
  close(value(wordPredictionLoss(tf.tensor2d(logits), tf.tensor2d(targets))), want / 2, 'two clips');
  // A confident, right classifier costs ~0; a confident, wrong one ~|x| per word.
  close(value(wordPredictionLoss(tf.tensor2d([[30, -30]]), tf.tensor2d([[1, 0]]))), 0, 'right');
  close(value(wordPredictionLoss(tf.tensor2d([[30, -30]]), tf.tensor2d([[0, 1]]))), 60, 'wrong');
  assert.throws(() => wordPredictionLoss(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D), /one shape/);
});

test('losses leak no tensors', () => {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const m = matchingDiscriminatorLoss({ realRight: tf.ones([2, 1]), fakeRight: tf.ones([2, 1]), realWrong: tf.ones([2, 1]) });
    return m.loss;
  }).dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('hinge: relu(1 − x) for real pairs, relu(1 + x) for fake and wrong ones, −mean(x) for the generator', async () => {
  const { hingeTerm } = await import('../../../models/tganc/losses.ts');
  const realRight = tf.tensor1d([2, 0.5, -1]); // relu(1 - x): 0, 0.5, 2 -> mean 2.5 / 3
  const fakeRight = tf.tensor1d([-3, 0, 0.25]); // relu(1 + x): 0, 1, 1.25 -> mean 0.75
  const realWrong = tf.tensor1d([-0.5, -2, 1]); // 0.5, 0, 2 -> mean 2.5 / 3
  assert.ok(Math.abs(hingeTerm(realRight, 1).dataSync()[0]! - 2.5 / 3) < 1e-6);
  const m = matchingDiscriminatorLoss({ realRight, fakeRight, realWrong }, { real: 1, fake: 0.5, wrong: 2 }, 1, 'hinge');
  assert.ok(Math.abs(m.realTerm.dataSync()[0]! - 2.5 / 3) < 1e-6);
  assert.ok(Math.abs(m.fakeTerm.dataSync()[0]! - 0.75) < 1e-6);
  assert.ok(Math.abs(m.wrongTerm.dataSync()[0]! - 2.5 / 3) < 1e-6);
  assert.ok(Math.abs(m.loss.dataSync()[0]! - (2.5 / 3 + 0.5 * 0.75 + 2 * (2.5 / 3))) < 1e-6);
  assert.ok(Math.abs(generatorAdversarialLoss(fakeRight, 'hinge').dataSync()[0]! - (3 - 0 - 0.25) / 3) < 1e-6);
  // Beyond the margin a pair gives the discriminator no gradient.
  const g = tf.grad((x: tf.Tensor) => hingeTerm(x, -1))(tf.tensor1d([-3, 0.5]));
  assert.deepEqual(Array.from(g.dataSync()), [0, 0.5]);
  assert.throws(() => matchingDiscriminatorLoss({ realRight, fakeRight, realWrong }, undefined, 0.9, 'hinge'), /realLabel 0.9 is for the bce loss/);
  tf.dispose([realRight, fakeRight, realWrong, m.loss, m.realTerm, m.fakeTerm, m.wrongTerm, g]);
});
