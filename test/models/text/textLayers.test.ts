import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { MaskedLstm, matMulPlainGrad, orthogonalBlocks, PaddingMask, TokenEmbedding } from '../../../models/text/textLayers.ts';

before(async () => {
  await selectBackend('cpu');
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string, tolerance = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  const scale = Math.max(1, tf.max(tf.abs(expected)).dataSync()[0]!);
  const diff = maxAbsDiff(actual, expected);
  assert.ok(diff <= tolerance * scale, `${what}: differs by ${diff}`);
}

/** Output and gradients (w.r.t. x and each weight) of sum(layer(x) * r). */
function run(layer: tf.layers.Layer, x: tf.Tensor, r: tf.Tensor): { output: tf.Tensor; grads: tf.Tensor[] } {
  const output = layer.apply(x) as tf.Tensor;
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Tensor);
  const grads = tf.grads((input: tf.Tensor, ...ws: tf.Tensor[]) => {
    void ws;
    return tf.sum(tf.mul(layer.apply(input) as tf.Tensor, r));
  })([x, ...weights]);
  return { output, grads };
}

for (const [goBackwards, returnSequences] of [[false, true], [true, true], [true, false], [false, false]] as const) {
  test(`MaskedLstm without a mask = tf.layers.lstm (goBackwards ${goBackwards}, returnSequences ${returnSequences}), outputs and gradients`, () => {
    const x = tf.randomNormal([3, 5, 4], 0, 1, 'float32', 1);
    const ours = new MaskedLstm({ units: 6, goBackwards, returnSequences, seed: 2 });
    const stock = tf.layers.lstm({ units: 6, goBackwards, returnSequences, recurrentActivation: 'sigmoid' });
    ours.apply(x);
    stock.apply(x);
    stock.setWeights(ours.getWeights());
    const r = tf.randomNormal(returnSequences ? [3, 5, 6] : [3, 6], 0, 1, 'float32', 3);
    // Keras' goBackwards returns its sequence in processing order; MaskedLstm keeps input order.
    const rStock = goBackwards && returnSequences ? tf.reverse(r, 1) : r;
    const a = run(ours, x, r);
    const b = run(stock, x, rStock);
    assertClose(goBackwards && returnSequences ? tf.reverse(a.output, 1) : a.output, b.output, 'output');
    a.grads.forEach((g, i) => assertClose(g, b.grads[i]!, `gradient ${i}`));
  });
}

test('MaskedLstm with a mask that has holes (not only trailing padding) = tf.layers.lstm with Keras masking', () => {
  const ids = tf.tensor2d([[3, 0, 4, 0, 2], [0, 0, 1, 2, 0], [1, 2, 3, 4, 2]], [3, 5], 'int32');
  const table = tf.randomNormal([5, 4], 0, 1, 'float32', 4);
  for (const goBackwards of [false, true]) {
    const input = tf.input({ shape: [5], dtype: 'int32' });
    const embedding = tf.layers.embedding({ inputDim: 5, outputDim: 4, maskZero: true, weights: [table] });
    const stockLstm = tf.layers.lstm({ units: 3, goBackwards, recurrentActivation: 'sigmoid' });
    const stock = tf.model({ inputs: input, outputs: stockLstm.apply(embedding.apply(input)) as tf.SymbolicTensor });
    const ourEmbedding = new TokenEmbedding({ vocabSize: 5, outputDim: 4 });
    const ourLstm = new MaskedLstm({ units: 3, goBackwards, seed: 5 });
    const vectors = ourEmbedding.apply(input) as tf.SymbolicTensor;
    const ours = tf.model({ inputs: input, outputs: ourLstm.apply([vectors, new PaddingMask().apply(input) as tf.SymbolicTensor]) as tf.SymbolicTensor });
    ourEmbedding.setWeights([table]);
    stockLstm.setWeights(ourLstm.getWeights());
    assertClose(ours.predict(ids) as tf.Tensor, stock.predict(ids) as tf.Tensor, `goBackwards ${goBackwards}`);
    const grads = (model: tf.LayersModel) => {
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(model.apply(ids) as tf.Tensor)) as tf.Scalar, variables);
      return variables.map((v) => g[v.name]!);
    };
    const [a, b] = [grads(ours), grads(stock)];
    a.forEach((g, i) => assertClose(g, b[i]!, `goBackwards ${goBackwards}, gradient ${i}`));
  }
});

test('TokenEmbedding: gather forward, scatter-add gradient (repeated ids summed), frozen table is not a trainable variable', () => {
  const layer = new TokenEmbedding({ vocabSize: 6, outputDim: 3, seed: 1 });
  const ids = tf.tensor2d([[1, 4, 4], [0, 4, 5]], [2, 3], 'int32');
  const out = layer.apply(ids) as tf.Tensor;
  const table = layer.getWeights()[0]!;
  assert.deepEqual(out.shape, [2, 3, 3]);
  assertClose(out, tf.gather(table, ids), 'forward', 0);
  const r = tf.randomNormal([2, 3, 3], 0, 1, 'float32', 2);
  const variable = layer.trainableWeights[0]!.read() as tf.Variable;
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(ids) as tf.Tensor, r)) as tf.Scalar, [variable]);
  const expected = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), r)))([table])[0]!;
  assertClose(grads[variable.name]!, expected, 'gradient');
  const frozen = new TokenEmbedding({ vocabSize: 6, outputDim: 3, trainable: false });
  frozen.apply(ids);
  assert.equal(frozen.trainableWeights.length, 0);
  assert.equal((frozen.weights[0]!.read() as tf.Variable).trainable, false);
});

test('matMulPlainGrad: value and gradients of tf.matMul, both orientations', () => {
  for (const [m, k, n] of [[3, 7, 5], [9, 2, 4]] as const) {
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
    const r = tf.randomNormal([m, n], 0, 1, 'float32', 3);
    assertClose(matMulPlainGrad(a as tf.Tensor2D, b as tf.Tensor2D), tf.matMul(a, b), 'value', 0);
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMulPlainGrad(x as tf.Tensor2D, y as tf.Tensor2D), r)))([a, b]);
    const stock = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), r)))([a, b]);
    ours.forEach((g, i) => assertClose(g, stock[i]!, `[${m}, ${k}, ${n}] gradient ${i}`));
  }
});

test('orthogonalBlocks: each n x n block is orthogonal; seeded', () => {
  const n = 6;
  const values = orthogonalBlocks(n, 4, 7);
  const matrix = tf.tensor2d(values, [n, 4 * n]);
  for (let block = 0; block < 4; block++) {
    const q = tf.slice(matrix, [0, block * n], [n, n]);
    assertClose(tf.matMul(q, q, false, true), tf.eye(n), `block ${block}`, 1e-6);
  }
  assert.deepEqual(Array.from(orthogonalBlocks(n, 4, 7)), Array.from(values));
  assert.notDeepEqual(Array.from(orthogonalBlocks(n, 4, 8)), Array.from(values));
});
