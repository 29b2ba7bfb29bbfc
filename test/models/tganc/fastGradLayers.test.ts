/**
 * fastGradLayers against the stock tfjs layers/ops they replace: values, gradients (by tf.variableGrads
 * through the hand-written gradients), moving statistics; on cpu (wasm agreement: wasm.test.ts).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { BatchNorm, channelSum, ChannelBias, LeakyReLU } from '../../../models/tganc/fastGradLayers.ts';

before(async () => {
  await selectBackend('cpu');
});

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

test('BatchNorm matches tf.layers.batchNormalization: outputs, gradients, moving statistics', () => {
  const x = tf.randomNormal([4, 3, 5, 6], 2, 3, 'float32', 1);
  const r = tf.randomNormal([4, 3, 5, 6], 0, 1, 'float32', 2);
  const gammaInit = tf.randomUniform([6], 0.5, 1.5, 'float32', 3);
  const betaInit = tf.randomNormal([6], 0, 1, 'float32', 4);
  const ours = new BatchNorm({ momentum: 0.8 });
  const stock = tf.layers.batchNormalization({ momentum: 0.8, axis: -1 });
  ours.build(x.shape);
  stock.build(x.shape);
  for (const layer of [ours, stock]) layer.setWeights([gammaInit, betaInit, tf.zeros([6]), tf.ones([6])]);

  const grads = (layer: tf.layers.Layer): { y: tf.Tensor; dx: tf.Tensor; dGamma: tf.Tensor; dBeta: tf.Tensor } => {
    const xv = tf.variable(x);
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = (): tf.Scalar => tf.sum(tf.mul(layer.apply(xv, { training: true }) as tf.Tensor, r)) as tf.Scalar;
    const { grads: g } = tf.variableGrads(loss, [xv, gamma!, beta!]);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const out = { y, dx: g[xv.name]!, dGamma: g[gamma!.name]!, dBeta: g[beta!.name]! };
    xv.dispose();
    return out;
  };
  const a = grads(ours);
  const b = grads(stock);
  assert.ok(maxDiff(a.y, b.y) < 1e-5, `y ${maxDiff(a.y, b.y)}`);
  assert.ok(maxDiff(a.dx, b.dx) < 1e-4, `dx ${maxDiff(a.dx, b.dx)}`);
  assert.ok(maxDiff(a.dGamma, b.dGamma) < 1e-3, `dGamma ${maxDiff(a.dGamma, b.dGamma)}`);
  assert.ok(maxDiff(a.dBeta, b.dBeta) < 1e-4, `dBeta ${maxDiff(a.dBeta, b.dBeta)}`);
  // Two training calls each (variableGrads and apply): the moving statistics moved alike.
  const [, , oursMean, oursVar] = ours.getWeights();
  const [, , stockMean, stockVar] = stock.getWeights();
  assert.ok(maxDiff(oursMean!, stockMean!) < 1e-5);
  assert.ok(maxDiff(oursVar!, stockVar!) < 1e-4);
  // Inference mode uses them.
  const yi = ours.apply(x, { training: false }) as tf.Tensor;
  const yis = stock.apply(x, { training: false }) as tf.Tensor;
  assert.ok(maxDiff(yi, yis) < 1e-5);
});

test('BatchNorm on rank 5 equals batch norm of its rank-4 view; serialisable config', () => {
  const x = tf.randomNormal([2, 3, 4, 4, 5], 1, 2, 'float32', 5);
  const bn = new BatchNorm({ name: 'bn5', momentum: 0.5, epsilon: 1e-4 });
  const y5 = bn.apply(x, { training: true }) as tf.Tensor;
  const ref = tf.layers.batchNormalization({ epsilon: 1e-4 }).apply(x.reshape([2, 12, 4, 5]), { training: true }) as tf.Tensor;
  assert.ok(maxDiff(y5.reshape([2, 12, 4, 5]), ref) < 1e-5);
  const config = bn.getConfig();
  assert.equal(config['momentum'], 0.5);
  assert.equal(config['epsilon'], 1e-4);
  assert.throws(() => new BatchNorm({ momentum: 1 }), RangeError);
  // No leaks across a training call (moving-average updates included).
  const before = tf.memory().numTensors;
  tf.dispose(bn.apply(x, { training: true }) as tf.Tensor);
  assert.equal(tf.memory().numTensors, before);
});

test('ChannelBias: x + bias over the last axis; gradients equal those of a broadcast add', () => {
  const x = tf.randomNormal([2, 3, 4, 2, 5], 0, 1, 'float32', 6);
  const r = tf.randomNormal([2, 3, 4, 2, 5], 0, 1, 'float32', 7);
  const layer = new ChannelBias({ name: 'cb' });
  layer.build(x.shape);
  const b = tf.tensor1d([1, -2, 3, 0.5, 0]);
  layer.setWeights([b]);
  const xv = tf.variable(x);
  const bias = layer.trainableWeights[0]!.read() as tf.Variable;
  const ours = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xv) as tf.Tensor, r)) as tf.Scalar, [xv, bias]);
  const stock = tf.variableGrads(() => tf.sum(tf.mul(tf.add(xv, bias), r)) as tf.Scalar, [xv, bias]);
  assert.ok(maxDiff(layer.apply(x) as tf.Tensor, tf.add(x, b)) === 0);
  assert.ok(maxDiff(ours.grads[xv.name]!, stock.grads[xv.name]!) === 0);
  assert.ok(maxDiff(ours.grads[bias.name]!, stock.grads[bias.name]!) < 1e-5);
  assert.deepEqual(Array.from(channelSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]])).dataSync()), [9, 12]);
});

test('LeakyReLU: values and gradient equal tf.leakyRelu, including at 0', () => {
  const x = tf.concat([tf.randomNormal([50], 0, 1, 'float32', 8), tf.zeros([3])]);
  const layer = new LeakyReLU({ alpha: 0.2 });
  // Exact for x >= 0; within an ulp of alpha·x below (x + 0.8·(-x) is computed in float32).
  assert.ok(maxDiff(layer.apply(x) as tf.Tensor, tf.leakyRelu(x, 0.2)) < 1e-6);
  assert.deepEqual((layer.apply(tf.relu(x)) as tf.Tensor).dataSync(), tf.relu(x).dataSync());
  const r = tf.randomNormal([53], 0, 1, 'float32', 9);
  const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, r)))(x);
  const stock = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(t, 0.2), r)))(x);
  assert.ok(maxDiff(ours, stock) < 1e-7);
  assert.equal(layer.getConfig()['alpha'], 0.2);
  assert.throws(() => new LeakyReLU({ alpha: 1 }), RangeError);
});
