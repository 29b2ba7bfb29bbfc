import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import '../../../models/io/fileSystemIO.ts';
import { lstmSentenceEncoder, SENTENCE_ENCODER_METADATA_KEY } from '../../../models/text/LstmSentenceEncoder.ts';
import type { LstmSentenceEncoderArgs } from '../../../models/text/LstmSentenceEncoder.ts';
import { captionTensor, encodeCaptions } from '../../../models/text/captionBatch.ts';
import { Vocabulary } from '../../../text/Vocabulary.ts';
import { tempDir } from '../../helpers/tmp.ts';

const SMALL: Omit<LstmSentenceEncoderArgs, 'length'> = { vocabSize: 12, embeddingDim: 8, hiddenDim: 8, outputDim: 6, seed: 3 };

before(async () => {
  await selectBackend('cpu');
});

function ids(rows: number[][], length: number): tf.Tensor2D {
  return tf.tensor2d(rows.map((row) => [...row, ...new Array<number>(length - row.length).fill(0)]), [rows.length, length], 'int32');
}

function bytes(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** The same network from stock tf.layers (Embedding maskZero + Bidirectional(LSTM) + LSTM, sigmoid gates). */
function stockEncoder(args: LstmSentenceEncoderArgs): tf.LayersModel {
  const input = tf.input({ shape: [args.length], dtype: 'int32' });
  const embedded = tf.layers.embedding({ inputDim: args.vocabSize, outputDim: args.embeddingDim!, maskZero: true }).apply(input);
  const lstm = (units: number, returnSequences: boolean) => tf.layers.lstm({ units, returnSequences, recurrentActivation: 'sigmoid' });
  const both = tf.layers.bidirectional({ layer: lstm(args.hiddenDim!, true) as tf.RNN, mergeMode: 'concat' }).apply(embedded);
  const output = lstm(args.outputDim!, false).apply(both) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

/** d(sum(model(x) * r)) / d(trainable weights), in the model's weight order. */
function gradients(model: tf.LayersModel, x: tf.Tensor, r: tf.Tensor): tf.Tensor[] {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar, variables);
  value.dispose();
  return variables.map((v) => grads[v.name]!);
}

const CAPTIONS = [
  [3, 5, 7, 2],
  [4, 4, 9, 10, 11, 1, 6, 2], // fills L = 8: no padding
  [8],
  [], // empty: all padding
];

test('shapes, dtypes, weights and seeding', () => {
  const model = lstmSentenceEncoder({ ...SMALL, length: 8 });
  assert.deepEqual(model.inputs[0]!.shape, [null, 8]);
  assert.equal(model.inputs[0]!.dtype, 'int32');
  assert.deepEqual(model.outputs[0]!.shape, [null, 6]);
  const out = model.predict(ids(CAPTIONS, 8)) as tf.Tensor;
  assert.deepEqual(out.shape, [4, 6]);
  assert.equal(out.dtype, 'float32');
  // embedding + 3 LSTMs x (kernel, recurrent kernel, bias)
  assert.deepEqual(
    model.trainableWeights.map((w) => w.shape),
    [[12, 8], [8, 32], [8, 32], [32], [8, 32], [8, 32], [32], [16, 24], [6, 24], [24]],
  );
  // The empty caption gives the zero initial state.
  assert.deepEqual(Array.from(out.dataSync().slice(18, 24)), [0, 0, 0, 0, 0, 0]);
  // Same args, same weights; the two directions differ; another seed differs.
  const again = lstmSentenceEncoder({ ...SMALL, length: 8 });
  model.getWeights().forEach((w, i) => assert.ok(bytes(w).equals(bytes(again.getWeights()[i]!))));
  assert.ok(!bytes(model.getWeights()[1]!).equals(bytes(model.getWeights()[4]!)), 'forward and backward LSTMs start different');
  const other = lstmSentenceEncoder({ ...SMALL, length: 8, seed: 4 });
  assert.ok(!bytes(model.getWeights()[0]!).equals(bytes(other.getWeights()[0]!)));
  assert.deepEqual(model.getUserDefinedMetadata(), {
    [SENTENCE_ENCODER_METADATA_KEY]: { kind: 'lstm', ...SMALL, length: 8, name: 'lstm_sentence_encoder' },
  });
  assert.throws(() => lstmSentenceEncoder({ ...SMALL, vocabSize: 1, length: 8 }), RangeError);
  assert.throws(() => lstmSentenceEncoder({ ...SMALL, length: 0 }), RangeError);
});

test('masking: padding does not change the sentence vector (L = 8 vs L = 12), tokens do', () => {
  const m8 = lstmSentenceEncoder({ ...SMALL, length: 8 });
  const m12 = lstmSentenceEncoder({ ...SMALL, length: 12, seed: 99 });
  m12.setWeights(m8.getWeights());
  const a = m8.predict(ids(CAPTIONS, 8)) as tf.Tensor;
  const b = m12.predict(ids(CAPTIONS, 12)) as tf.Tensor;
  assert.ok(maxAbsDiff(a, b) <= 1e-5, `padding changed the output by ${maxAbsDiff(a, b)}`);
  // A variable-length encoder with the same weights agrees too.
  const free = lstmSentenceEncoder({ ...SMALL, length: null });
  free.setWeights(m8.getWeights());
  assert.ok(maxAbsDiff(a, free.predict(ids(CAPTIONS, 10)) as tf.Tensor) <= 1e-5);
  // Changing one real token (first or last) changes the vector: both directions reach the output.
  const first = m8.predict(ids([[4, 5, 7, 2]], 8)) as tf.Tensor;
  const last = m8.predict(ids([[3, 5, 7, 3]], 8)) as tf.Tensor;
  assert.ok(maxAbsDiff(first, a.slice([0, 0], [1, 6])) > 1e-4);
  assert.ok(maxAbsDiff(last, a.slice([0, 0], [1, 6])) > 1e-4);
});

test('same function and gradients as stock tf.layers (Embedding maskZero + Bidirectional LSTM + LSTM) on cpu', () => {
  const args = { ...SMALL, length: 8 };
  const ours = lstmSentenceEncoder(args);
  const stock = stockEncoder(args);
  stock.setWeights(ours.getWeights());
  const x = ids(CAPTIONS, 8);
  const expected = stock.predict(x) as tf.Tensor;
  assert.ok(maxAbsDiff(ours.predict(x) as tf.Tensor, expected) <= 1e-6);
  const r = tf.randomNormal([4, 6], 0, 1, 'float32', 7);
  const ourGrads = gradients(ours, x, r);
  const stockGrads = gradients(stock, x, r);
  assert.equal(ourGrads.length, stockGrads.length);
  ourGrads.forEach((g, i) => {
    const scale = Math.max(1, tf.max(tf.abs(stockGrads[i]!)).dataSync()[0]!);
    assert.ok(maxAbsDiff(g, stockGrads[i]!) <= 1e-5 * scale, `gradient ${i} differs by ${maxAbsDiff(g, stockGrads[i]!)}`);
  });
  // The embedding row of <pad> gets no gradient (masked everywhere).
  assert.deepEqual(Array.from(ourGrads[0]!.slice([0, 0], [1, 8]).dataSync()), new Array(8).fill(0));
});

test('a few Adam steps learn to tell two captions apart', () => {
  const captions = [['a', 'digit', 'moves', 'left'], ['a', 'digit', 'moves', 'right']];
  const vocabulary = new Vocabulary();
  for (const tokens of captions) vocabulary.add(tokens);
  vocabulary.finalize();
  const x = captionTensor(encodeCaptions(vocabulary, [...captions, ...captions], 6));
  const labels = tf.tensor2d([[0], [1], [0], [1]]);
  const encoder = lstmSentenceEncoder({ vocabSize: vocabulary.size, length: 6, embeddingDim: 8, hiddenDim: 8, outputDim: 8, seed: 1 });
  const head = tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) });
  const model = tf.model({ inputs: encoder.inputs, outputs: head.apply(encoder.outputs[0]!) as tf.SymbolicTensor });
  const optimizer = tf.train.adam(0.03);
  const losses: number[] = [];
  let tensorsAfterFirstStep = 0;
  for (let step = 0; step < 15; step++) {
    const loss = optimizer.minimize(() => tf.losses.sigmoidCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
    if (step === 0) tensorsAfterFirstStep = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, tensorsAfterFirstStep, 'training steps leak no tensors');
  assert.ok(losses[0]! > 0.6, `starts near ln 2: ${losses[0]}`);
  assert.ok(losses.at(-1)! < 0.5 * losses[0]!, `loss went ${losses.map((l) => l.toFixed(3)).join(' ')}`);
});

test('save to file:// and load: bit-identical outputs and weights, metadata kept', async () => {
  const dir = join(await tempDir(), 'lstm-encoder');
  const model = lstmSentenceEncoder({ ...SMALL, length: 8 });
  // Train one step first so that no weight is still at its seeded initial value.
  const x = ids(CAPTIONS, 8);
  tf.train.adam(0.01).minimize(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
  await model.save(`file://${dir}`);
  const loaded = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
  assert.ok(bytes(model.predict(x) as tf.Tensor).equals(bytes(loaded.predict(x) as tf.Tensor)));
  assert.deepEqual(loaded.weights.map((w) => w.originalName), model.weights.map((w) => w.originalName));
  model.getWeights().forEach((w, i) => assert.ok(bytes(w).equals(bytes(loaded.getWeights()[i]!)), `weight ${model.weights[i]!.originalName}`));
  assert.deepEqual(loaded.getUserDefinedMetadata(), model.getUserDefinedMetadata());
  assert.equal(loaded.inputs[0]!.dtype, 'int32');
});

test('wasm: same outputs and gradients as cpu, padding-invariant, trains', async () => {
  const args = { ...SMALL, length: 8 };
  const r = [...tf.randomNormal([4, 6], 0, 1, 'float32', 11).dataSync()];
  const run = (length: number) => {
    const model = lstmSentenceEncoder({ ...args, length });
    const x = ids(CAPTIONS, length);
    const output = [...(model.predict(x) as tf.Tensor).dataSync()];
    const grads = gradients(model, x, tf.tensor2d(r, [4, 6])).map((g) => [...g.dataSync()]);
    return { model, output, grads };
  };
  const cpu = run(8);
  await selectBackend('wasm');
  try {
    const wasm = run(8);
    const wasm12 = run(12);
    const close = (a: number[], b: number[], what: string) => {
      const scale = Math.max(1, ...b.map(Math.abs));
      const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
      assert.ok(diff <= 1e-5 * scale, `${what}: wasm differs from cpu by ${diff}`);
    };
    close(wasm.output, cpu.output, 'output');
    close(wasm12.output, wasm.output, 'padding to 12 on wasm');
    wasm.grads.forEach((g, i) => close(g, cpu.grads[i]!, `gradient ${i}`));
    const optimizer = tf.train.adam(0.01);
    const x = ids(CAPTIONS, 8);
    const losses = [0, 1, 2].map(() => {
      const loss = optimizer.minimize(() => tf.mean(tf.square(tf.sub(wasm.model.apply(x, { training: true }) as tf.Tensor, 0.5))) as tf.Scalar, true)!;
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    });
    assert.ok(losses[2]! < losses[0]!, `wasm loss went ${losses.join(' ')}`);
  } finally {
    await selectBackend('cpu');
  }
});
