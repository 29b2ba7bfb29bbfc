/** WeightAverage: the exponential moving average of a network's weights, with TensorFlow's decay ramp. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { WeightAverage } from '../../../models/training/WeightAverage.ts';

before(async () => {
  await selectBackend('cpu');
});

/** A 3 -> 2 dense network with batch norm (whose moving statistics are weights too), seeded. */
function network(seed: number, units = 2): tf.LayersModel {
  const input = tf.input({ shape: [3] });
  const dense = tf.layers.dense({ units, kernelInitializer: tf.initializers.randomNormal({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 1 }) }).apply(input) as tf.SymbolicTensor;
  const output = tf.layers.batchNormalization({ movingMeanInitializer: tf.initializers.randomNormal({ seed: seed + 2 }) }).apply(dense) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

const values = (model: tf.LayersModel) => model.weights.map((w) => Array.from(w.read().dataSync()));

/** Sets every weight of `model` to the constant `value`. */
function fill(model: tf.LayersModel, value: number): void {
  for (const w of model.weights) {
    const t = tf.fill(w.shape as number[], value);
    w.write(t);
    t.dispose();
  }
}

test('reset copies the source; update moves every weight (batch-norm statistics too) by (1 - d) of the gap', () => {
  const source = network(1);
  const average = network(7);
  const ema = new WeightAverage({ source, average, decay: 0.99 });
  assert.notDeepEqual(values(average), values(source));
  ema.reset();
  assert.deepEqual(values(average), values(source));

  const before = values(average);
  fill(source, 1);
  const step = 1000;
  const d = ema.decayAt(step);
  assert.equal(d, 0.99, 'past the ramp the decay is the configured one');
  ema.update(step);
  values(average).forEach((weights, i) =>
    weights.forEach((v, j) => assert.ok(Math.abs(v - (d * before[i]![j]! + (1 - d) * 1)) < 1e-6, `weight ${i}[${j}]: ${v}`)),
  );
  source.dispose();
  average.dispose();
});

test('the decay ramps up as (1 + step) / (10 + step) and never passes the configured one', () => {
  const source = network(1);
  const average = network(1);
  const ema = new WeightAverage({ source, average, decay: 0.999 });
  assert.equal(ema.decayAt(0), 0.1);
  assert.equal(ema.decayAt(90), 91 / 100);
  assert.equal(ema.decayAt(100_000), 0.999);
  // The first update of a young run takes 90% of the source.
  fill(average, 0);
  fill(source, 1);
  ema.update(0);
  for (const weights of values(average)) for (const v of weights) assert.ok(Math.abs(v - 0.9) < 1e-6);
  source.dispose();
  average.dispose();
});

test('weights that circle around a point average to near that point; the last weights do not', () => {
  const source = network(1);
  const average = network(1);
  const ema = new WeightAverage({ source, average, decay: 0.95 });
  fill(average, 0.5);
  // The source swings between 0 and 1 every step (a generator oscillating around 0.5).
  for (let step = 100; step < 300; step++) {
    fill(source, step % 2);
    ema.update(step);
  }
  for (const weights of values(average)) for (const v of weights) assert.ok(Math.abs(v - 0.5) < 0.03, `average ${v} near 0.5`);
  for (const weights of values(source)) for (const v of weights) assert.ok(Math.abs(v - 0.5) > 0.4, 'the source itself is at an extreme');
  source.dispose();
  average.dispose();
});

test('bad decay or networks of another architecture are refused', () => {
  const source = network(1);
  const average = network(1);
  const other = network(1, 3);
  assert.throws(() => new WeightAverage({ source, average, decay: 1 }), /decay must be in \[0, 1\), got 1/);
  assert.throws(() => new WeightAverage({ source, average, decay: -0.1 }), /decay must be in \[0, 1\)/);
  assert.throws(() => new WeightAverage({ source, average: other, decay: 0.9 }), /weight 0 .* is \[3, 2\] in the source, \[3, 3\] in the average/);
  for (const m of [source, average, other]) m.dispose();
});

test('updates leak no tensors', () => {
  const source = network(1);
  const average = network(2);
  const ema = new WeightAverage({ source, average, decay: 0.9 });
  ema.reset();
  const count = tf.memory().numTensors;
  for (let step = 0; step < 5; step++) ema.update(step);
  ema.reset();
  assert.equal(tf.memory().numTensors, count);
  source.dispose();
  average.dispose();
});
