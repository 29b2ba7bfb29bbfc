import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { composeVideo, MASK_L1_WEIGHT, MaskComposition, maskL1Penalty } from '../../../models/vgan/maskComposition.ts';

before(async () => {
  await selectBackend('cpu');
});

// N = 1, T = 2, H = 1, W = 2, C = 2.
const F = [[[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]]];
const M = [[[[[0], [1]]], [[[0.25], [0.5]]]]];
const B = [[[[10, 20], [30, 40]]]];
const DY = [[[[[1, -1], [2, 0.5]]], [[[0.5, 2], [-1, 1]]]]];

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

test('composeVideo: m·f + (1 - m)·b on a hand-made example, exact', () => {
  const video = composeVideo(tf.tensor5d(F), tf.tensor5d(M), tf.tensor4d(B));
  assert.deepEqual(video.shape, [1, 2, 1, 2, 2]);
  // t0: mask 0 -> background (10, 20); mask 1 -> foreground (3, 4).
  // t1: 0.25·(5, 6) + 0.75·(10, 20) = (8.75, 16.5); 0.5·(7, 8) + 0.5·(30, 40) = (18.5, 24).
  assert.deepEqual(Array.from(video.dataSync()), [10, 20, 3, 4, 8.75, 16.5, 18.5, 24]);
});

test('gradients: d/dmask = Σ_c (f - b)·dy, d/dforeground = m·dy, d/dbackground = Σ_t (1 - m)·dy (hand values)', () => {
  const dy = tf.tensor5d(DY);
  const loss = (f: tf.Tensor, m: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(composeVideo(f, m, b), dy)) as tf.Scalar;
  const inputs = [tf.tensor5d(F), tf.tensor5d(M), tf.tensor4d(B)];
  const before = tf.memory().numTensors;
  const [dF, dM, dB] = tf.grads(loss)(inputs);
  // (f - b)·dy summed over channels: (-9, -18)·(1, -1) = 9; (-27, -36)·(2, 0.5) = -72;
  // (-5, -14)·(0.5, 2) = -30.5; (-23, -32)·(-1, 1) = -9.
  assert.deepEqual(dM!.shape, [1, 2, 1, 2, 1]);
  assert.deepEqual(Array.from(dM!.dataSync()), [9, -72, -30.5, -9]);
  assert.deepEqual(Array.from(dF!.dataSync(), (v) => v + 0), [0, 0, 2, 0.5, 0.125, 0.5, -0.5, 0.5]);
  // Σ_t (1 - m)·dy: pixel 0: (1, -1) + 0.75·(0.5, 2) = (1.375, 0.5); pixel 1: 0·(2, 0.5) + 0.5·(-1, 1).
  assert.deepEqual(dB!.shape, [1, 1, 2, 2]);
  assert.deepEqual(Array.from(dB!.dataSync()), [1.375, 0.5, -0.5, 0.5]);
  tf.dispose([dF!, dM!, dB!]);
  assert.equal(tf.memory().numTensors, before, 'the gradient computation leaks no tensors');
});

test('value and gradients agree with the plain broadcasting formula on random tensors', () => {
  const [n, t, h, w, c] = [2, 3, 2, 3, 3];
  const f = tf.randomUniform([n, t, h, w, c], -1, 1, 'float32', 1);
  const m = tf.sigmoid(tf.randomNormal([n, t, h, w, 1], 0, 2, 'float32', 2));
  const b = tf.randomUniform([n, h, w, c], -1, 1, 'float32', 3);
  const dy = tf.randomNormal([n, t, h, w, c], 0, 1, 'float32', 4);
  const plain = (fv: tf.Tensor, mv: tf.Tensor, bv: tf.Tensor): tf.Tensor =>
    tf.add(tf.mul(mv, fv), tf.mul(tf.sub(1, mv), tf.expandDims(bv, 1)));
  assert.ok(maxDiff(composeVideo(f, m, b), plain(f, m, b)) === 0, 'same values');
  const ours = tf.grads((fv: tf.Tensor, mv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(composeVideo(fv, mv, bv), dy)))([f, m, b]);
  const stock = tf.grads((fv: tf.Tensor, mv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(plain(fv, mv, bv), dy)))([f, m, b]);
  ours.forEach((g, i) => assert.ok(maxDiff(g, stock[i]!) < 1e-5, `gradient ${i}`));
});

test('shape checks: RangeError for a mask with channels, a background with frames, or mismatched sizes', () => {
  const f = tf.zeros([1, 2, 3, 3, 2]);
  assert.throws(() => composeVideo(f, tf.zeros([1, 2, 3, 3, 2]), tf.zeros([1, 3, 3, 2])), RangeError);
  assert.throws(() => composeVideo(f, tf.zeros([1, 2, 3, 3, 1]), tf.zeros([1, 2, 3, 3, 2])), RangeError);
  assert.throws(() => composeVideo(f, tf.zeros([1, 2, 3, 4, 1]), tf.zeros([1, 3, 3, 2])), RangeError);
  assert.throws(() => composeVideo(f, tf.zeros([1, 2, 3, 3, 1]), tf.zeros([2, 3, 3, 2])), RangeError);
  assert.deepEqual(composeVideo(f, tf.zeros([1, 2, 3, 3, 1]), tf.zeros([1, 3, 3, 2])).shape, [1, 2, 3, 3, 2]);
});

test('maskL1Penalty: weight · mean |mask|, default weight 0.1', () => {
  const mask = tf.tensor2d([[0.5, -0.25], [0, 1]]);
  assert.equal(MASK_L1_WEIGHT, 0.1);
  // mean |m| = 1.75 / 4 = 0.4375.
  assert.ok(Math.abs(maskL1Penalty(mask).dataSync()[0]! - 0.04375) < 1e-8);
  assert.equal(maskL1Penalty(mask, 1).dataSync()[0], 0.4375);
  assert.equal(maskL1Penalty(tf.zeros([2, 3, 4, 4, 1])).dataSync()[0], 0);
  assert.throws(() => maskL1Penalty(mask, -1), RangeError);
  // Its gradient is weight·sign(m)/count.
  const g = tf.grad((m: tf.Tensor) => maskL1Penalty(m))(tf.tensor1d([0.5, 0.2, 0.9, 0.1]));
  assert.ok(maxDiff(g, tf.fill([4], 0.1 / 4)) < 1e-8);
});

test('MaskComposition layer: same values as composeVideo, symbolic output shape', () => {
  const layer = new MaskComposition({ name: 'compose' });
  const f = tf.input({ shape: [2, 1, 2, 2] });
  const m = tf.input({ shape: [2, 1, 2, 1] });
  const b = tf.input({ shape: [1, 2, 2] });
  const out = layer.apply([f, m, b]) as tf.SymbolicTensor;
  assert.deepEqual(out.shape, [null, 2, 1, 2, 2]);
  const model = tf.model({ inputs: [f, m, b], outputs: out });
  const video = model.predict([tf.tensor5d(F), tf.tensor5d(M), tf.tensor4d(B)]) as tf.Tensor;
  assert.deepEqual(Array.from(video.dataSync()), [10, 20, 3, 4, 8.75, 16.5, 18.5, 24]);
  assert.throws(() => layer.apply([f, tf.input({ shape: [2, 1, 2, 2] }), b]), RangeError);
});
