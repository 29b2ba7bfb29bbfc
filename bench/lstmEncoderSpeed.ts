/**
 * Timing of the LSTM sentence encoder: ms per forward+backward (tf.variableGrads of a loss over all
 * trainable weights, no optimizer update) and per forward (predict), median of `--runs` after a warm-up.
 *
 *   node --import tsx bench/lstmEncoderSpeed.ts [--backend wasm|cpu] [--batch 16] [--length 16]
 *        [--vocab 30] [--embedding 64] [--hidden 128] [--output 128] [--runs 10] [--stock]
 *
 * Every caption has a random length between 1 and L (the rest is padding). `--stock` also times the same
 * network from stock tf.layers (Embedding maskZero + Bidirectional(LSTM) + LSTM), its embedding frozen
 * (a trainable tf.layers.embedding has no gradient on wasm: UnsortedSegmentSum is not registered there).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../models/backend/selectBackend.ts';
import { Random } from '../utils/random.ts';
import { lstmSentenceEncoder } from '../models/text/LstmSentenceEncoder.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '16' },
    length: { type: 'string', default: '16' },
    vocab: { type: 'string', default: '30' },
    embedding: { type: 'string', default: '64' },
    hidden: { type: 'string', default: '128' },
    output: { type: 'string', default: '128' },
    runs: { type: 'string', default: '10' },
    stock: { type: 'boolean', default: false },
  },
});
const [batch, length, vocabSize, embeddingDim, hiddenDim, outputDim, runs] = [values.batch, values.length, values.vocab, values.embedding, values.hidden, values.output, values.runs].map(Number) as [
  number, number, number, number, number, number, number,
];
const info = await selectBackend(values.backend as 'wasm' | 'cpu');
const model = lstmSentenceEncoder({ vocabSize, length, embeddingDim, hiddenDim, outputDim });
const random = new Random(1);
const ids: number[] = [];
for (let b = 0; b < batch; b++) {
  const n = random.int(1, length);
  for (let t = 0; t < length; t++) ids.push(t < n ? random.int(1, vocabSize - 1) : 0);
}
const x = tf.tensor2d(ids, [batch, length], 'int32');

interface Timing {
  wall: number;
  /** This process's CPU time (user + system): close to the wall time of an idle machine (tfjs runs on one thread here). */
  cpu: number;
}
function time(fn: () => void): Timing {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  fn();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000 };
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medians = (timings: Timing[]): Timing => ({ wall: median(timings.map((t) => t.wall)), cpu: median(timings.map((t) => t.cpu)) });
const show = (t: Timing) => `${t.wall.toFixed(1)} ms (cpu ${t.cpu.toFixed(1)} ms)`;

/** Median times of forward+backward (all trainable weights) and of forward alone. */
function measure(encoder: tf.LayersModel): { forwardBackward: Timing; forward: Timing } {
  const variables = encoder.trainableWeights.map((w) => w.read() as tf.Variable);
  const forwardBackward = () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(encoder.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, variables);
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, grads]);
  };
  const forward = () => tf.tidy(() => void (encoder.predict(x) as tf.Tensor).dataSync());
  forwardBackward();
  forward();
  return {
    forwardBackward: medians(Array.from({ length: runs }, () => time(forwardBackward))),
    forward: medians(Array.from({ length: runs }, () => time(forward))),
  };
}

function stockEncoder(): tf.LayersModel {
  const input = tf.input({ shape: [length], dtype: 'int32' });
  const embedded = tf.layers.embedding({ inputDim: vocabSize, outputDim: embeddingDim, maskZero: true, trainable: false }).apply(input);
  const lstm = (units: number, returnSequences: boolean) => tf.layers.lstm({ units, returnSequences, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' });
  const both = tf.layers.bidirectional({ layer: lstm(hiddenDim, true) as tf.RNN, mergeMode: 'concat' }).apply(embedded);
  return tf.model({ inputs: input, outputs: lstm(outputDim, false).apply(both) as tf.SymbolicTensor });
}

const shape = `batch ${batch}, L ${length}, vocab ${vocabSize}, embedding ${embeddingDim}, hidden ${hiddenDim}, output ${outputDim}`;
const ours = measure(model);
console.log(`${info.name}, ${shape}: forward+backward ${show(ours.forwardBackward)}, forward ${show(ours.forward)} (median of ${runs}; load average ${loadavg()[0]!.toFixed(1)})`);
if (values.stock) {
  const stock = measure(stockEncoder());
  console.log(`  stock tf.layers, embedding frozen: forward+backward ${show(stock.forwardBackward)}, forward ${show(stock.forward)}`);
}
