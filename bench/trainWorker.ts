/**
 * One measurement of the TGANs-C training benchmark, in a fresh process so its peak RSS is its own:
 *
 *   node --import tsx bench/trainWorker.ts --backend wasm|cpu|tensorflow --preset small|paper \
 *     --batch 8 --steps 5 --warmup 1 --gen-batch 16 --gen-reps 3
 *
 * The default training config (48x48x16 grey, sentence vectors of 128, all three discriminators) on random
 * clips in [-1, 1] and random sentences: the step's cost does not depend on the data. Timing is wall time
 * around trainStep, which is synchronous and reads its losses back, so no queued work escapes the timer.
 * Prints one JSON line (a TrainWorkerResult) on stdout.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../models/backend/selectBackend.ts';
import type { BackendChoice } from '../models/backend/backendChoices.ts';
import { registerKernelFixes } from '../models/kernels/registerKernelFixes.ts';
import { TganModel } from '../models/tganc/TganModel.ts';
import { tganPreset } from '../models/tganc/tganPresets.ts';
import type { TrainPreset, TrainWorkerResult } from './trainShared.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    preset: { type: 'string', default: 'small' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '5' },
    // 0: no untimed first step (for a slow backend, at the price of first-call costs in the figure).
    warmup: { type: 'string', default: '1' },
    'gen-batch': { type: 'string', default: '16' },
    'gen-reps': { type: 'string', default: '3' },
  },
  strict: true,
});
const backend = values.backend as BackendChoice;
const preset = values.preset as TrainPreset;
const [batch, steps, warmup, genBatch, genReps] = [values.batch, values.steps, values.warmup, values['gen-batch'], values['gen-reps']].map(Number) as [number, number, number, number, number];
if (!['wasm', 'cpu', 'tensorflow'].includes(backend) || !['small', 'paper'].includes(preset) || ![batch, steps, genBatch].every((v) => Number.isInteger(v) && v >= 1)) {
  process.stderr.write('usage: trainWorker.ts --backend wasm|cpu|tensorflow --preset small|paper --batch N --steps N --warmup 0|1 --gen-batch N --gen-reps N\n');
  process.exit(2);
}

const info = await selectBackend(backend);
// Without it conv3dTranspose has no gradient and the wasm conv kernels are the slow or wrong stock ones.
registerKernelFixes();

const model = new TganModel({ ...tganPreset(preset, 48), frames: 16, size: 48, channels: 1, seed: 0 });
const { sentenceDim } = model.args;
const batchOf = (n: number, seed: number) => ({
  videos: tf.randomUniform([n, 16, 48, 48, 1], -1, 1, 'float32', seed) as tf.Tensor5D,
  sentences: tf.randomNormal([n, sentenceDim], 0, 1, 'float32', seed + 1) as tf.Tensor2D,
  wrongSentences: tf.randomNormal([n, sentenceDim], 0, 1, 'float32', seed + 2) as tf.Tensor2D,
});

const stepMs: number[] = [];
let warmupMs: number | null = null;
for (let i = warmup > 0 ? 0 : 1; i <= steps; i++) {
  const data = batchOf(batch, 10 * i);
  const t0 = performance.now();
  const { dLoss, gLoss } = model.trainStep(data);
  const ms = performance.now() - t0;
  tf.dispose(data);
  if (!Number.isFinite(dLoss) || !Number.isFinite(gLoss)) throw new Error(`step ${i}: losses ${dLoss}, ${gLoss}`);
  if (i === 0) warmupMs = ms;
  else stepMs.push(ms);
  process.stderr.write(`    ${backend} ${preset} step ${i}${i === 0 ? ' (warm-up)' : ''}: ${ms.toFixed(0)} ms\n`);
}

// Inference as `t2v generate` runs it: moving batch-norm statistics, output read back to the host.
const genMs: number[] = [];
for (let i = 0; i <= genReps; i++) {
  const noise = model.sampleNoise(genBatch, 1000 + i);
  const sentences = tf.randomNormal([genBatch, sentenceDim], 0, 1, 'float32', 2000 + i) as tf.Tensor2D;
  const t0 = performance.now();
  const clips = model.generate(noise, sentences);
  clips.dataSync();
  const ms = performance.now() - t0;
  tf.dispose([noise, sentences, clips]);
  if (i > 0 || genReps === 0) genMs.push(ms);
}

const result: TrainWorkerResult = {
  backend: info.name,
  preset,
  batch,
  warmupMs,
  stepMs,
  genBatch,
  genMs,
  params: model.countParams().total,
  maxRssKiB: process.resourceUsage().maxRSS,
  detail: { ...info },
};
model.dispose();
process.stdout.write(JSON.stringify(result) + '\n');
