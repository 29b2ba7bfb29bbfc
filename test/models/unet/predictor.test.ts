/**
 * The U-Net predictor at the tiny config (cpu): shapes, tanh range, conditioning on frames and sentence,
 * seeded weights, save -> load gives bit-identical predictions; the frame-window helpers.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { defaultUnetArgs, tinyUnetArgs } from '../../../models/unet/UnetConfig.ts';
import { buildPredictor, PREDICTOR_INPUTS, predictorArgsFrom, predictorPlan } from '../../../models/unet/predictor.ts';
import { frameWindow, repeatFrame, slideWindow } from '../../../models/unet/frameWindows.ts';
import { bits, movingSquares, saveToMemory } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const args = tinyUnetArgs();
const N = 2;

function inputs(seed = 1): { frames: tf.Tensor5D; sentence: tf.Tensor2D } {
  return {
    frames: tf.randomUniform([N, args.frames, args.size, args.size, args.channels], -1, 1, 'float32', seed),
    sentence: tf.randomNormal([N, args.sentenceDim], 0, 1, 'float32', seed + 100),
  };
}

test('predictor: (frames, sentence) -> [N, H, W, C] in [-1, 1], in training and inference mode', () => {
  const p = buildPredictor(predictorArgsFrom(args));
  assert.deepEqual(p.inputNames, [...PREDICTOR_INPUTS]);
  assert.deepEqual(p.inputs.map((i) => i.shape), [[null, 3, 16, 16, 1], [null, 6]]);
  assert.deepEqual(p.outputs[0]!.shape, [null, 16, 16, 1]);
  const { frames, sentence } = inputs();
  for (const training of [true, false]) {
    const y = p.apply([frames, sentence], { training }) as tf.Tensor;
    assert.deepEqual(y.shape, [N, 16, 16, 1]);
    const [min, max] = [y.min().dataSync()[0]!, y.max().dataSync()[0]!];
    assert.ok(min >= -1 && max <= 1 && max > min, `range [${min}, ${max}]`);
  }
  // A large output bias saturates tanh: still inside [-1, 1].
  const saturated = buildPredictor(predictorArgsFrom({ ...args, outputBias: 50 }));
  const y = saturated.apply([frames, sentence], { training: false }) as tf.Tensor;
  assert.ok(y.max().dataSync()[0]! <= 1 && y.min().dataSync()[0]! > 0.99);
  // RGB, one frame in the window.
  const rgb = buildPredictor(predictorArgsFrom(tinyUnetArgs({ channels: 3, frames: 1 })));
  const out = rgb.apply([tf.zeros([N, 1, 16, 16, 3]), sentence]) as tf.Tensor;
  assert.deepEqual(out.shape, [N, 16, 16, 3]);
  for (const m of [p, saturated, rgb]) m.dispose();
});

test('plan: every level of the tiny and the default 64x64 networks', () => {
  const tiny = predictorPlan(predictorArgsFrom(args));
  assert.deepEqual(tiny.encoder, [[3, 8, 8, 4], [3, 4, 4, 8], [3, 2, 2, 16]]);
  assert.deepEqual(tiny.skips, [[8, 8, 4], [4, 4, 8], [2, 2, 16]]);
  assert.deepEqual(tiny.bottleneck, [2, 2, 16]);
  assert.deepEqual(tiny.decoder, [[4, 4, 8], [8, 8, 4], [16, 16, 1]]);
  const big = predictorPlan(predictorArgsFrom(defaultUnetArgs(64, 3)));
  assert.deepEqual(big.encoder.at(-1), [10, 4, 4, 256]);
  assert.deepEqual(big.bottleneck, [4, 4, 256]);
  assert.deepEqual(big.decoder.at(-1), [64, 64, 3]);
  // The built model's layers work at the planned shapes.
  const p = buildPredictor(predictorArgsFrom(args));
  assert.deepEqual(p.getLayer('u_enc2_act').outputShape, [null, 3, 4, 4, 8]);
  assert.deepEqual(p.getLayer('u_skip1_flat').outputShape, [null, 8, 8, 4]);
  assert.deepEqual(p.getLayer('u_nin1_act').outputShape, [null, 2, 2, 16]);
  assert.deepEqual(p.getLayer('u_dec2_skip').outputShape, [null, 8, 8, 8]);
  p.dispose();
});

test('the prediction depends on the sentence, on the latest frame and on the oldest frame', () => {
  const p = buildPredictor(predictorArgsFrom(args));
  const { frames, sentence } = inputs();
  const predict = (f: tf.Tensor, s: tf.Tensor): Float32Array => (p.apply([f, s], { training: false }) as tf.Tensor).dataSync() as Float32Array;
  const base = predict(frames, sentence);
  assert.notDeepEqual(predict(frames, sentence.reverse(0)), base, 'sentence ignored');
  const flat = frames.reshape([N, args.frames, -1]);
  const last = tf.concat([flat.slice([0, 0, 0], [N, 2, -1]), tf.zeros([N, 1, 256])], 1).reshape(frames.shape);
  assert.notDeepEqual(predict(last, sentence), base, 'latest frame ignored');
  const first = tf.concat([tf.zeros([N, 1, 256]), flat.slice([0, 1, 0], [N, 2, -1])], 1).reshape(frames.shape);
  assert.notDeepEqual(predict(first, sentence), base, 'oldest frame ignored');
  p.dispose();
});

test('same seed, same weights; another seed, other weights; no two layers share a random stream', () => {
  const a = buildPredictor(predictorArgsFrom(args));
  const b = buildPredictor(predictorArgsFrom(args));
  const c = buildPredictor(predictorArgsFrom({ ...args, seed: 2 }));
  const [wa, wb, wc] = [a.getWeights(), b.getWeights(), c.getWeights()];
  wa.forEach((w, i) => assert.ok(bits(w).equals(bits(wb[i]!)), a.weights[i]!.originalName));
  assert.ok(!bits(wa[0]!).equals(bits(wc[0]!)));
  const kernels = a.weights.filter((w) => w.originalName.endsWith('/kernel')).map((w) => w.read().dataSync().slice(0, 4).join());
  assert.ok(kernels.length >= 9, `${kernels.length} kernels`);
  assert.equal(new Set(kernels).size, kernels.length);
  for (const m of [a, b, c]) m.dispose();
});

test('predictor save -> load (in memory): bit-identical predictions in both modes', async () => {
  const p = buildPredictor(predictorArgsFrom(args));
  const { frames, sentence } = inputs(3);
  // A few moving-statistics updates so that inference mode reads non-initial batch-norm weights.
  for (let i = 0; i < 3; i++) tf.dispose(p.apply([frames, sentence], { training: true }) as tf.Tensor);
  const before = p.apply([frames, sentence], { training: false }) as tf.Tensor;
  const artifacts = await saveToMemory(p);
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  assert.deepEqual(loaded.inputNames, [...PREDICTOR_INPUTS]);
  assert.equal(loaded.countParams(), p.countParams());
  assert.ok(bits(loaded.apply([frames, sentence], { training: false }) as tf.Tensor).equals(bits(before)));
  const trainingA = p.apply([frames, sentence], { training: true }) as tf.Tensor;
  const trainingB = loaded.apply([frames, sentence], { training: true }) as tf.Tensor;
  assert.ok(bits(trainingB).equals(bits(trainingA)));
  // A fresh model of the same seed predicts differently (the moving statistics were saved too).
  const fresh = buildPredictor(predictorArgsFrom(args));
  assert.ok(!bits(fresh.apply([frames, sentence], { training: false }) as tf.Tensor).equals(bits(before)));
  for (const m of [p, loaded, fresh]) m.dispose();
});

test('frame windows: cut, repeat, slide', () => {
  const clips = movingSquares(2, 6, 8, 1);
  const { frames, next } = frameWindow(clips, 1, 3);
  assert.deepEqual(frames.shape, [2, 3, 8, 8, 1]);
  assert.deepEqual(next.shape, [2, 8, 8, 1]);
  const all = clips.arraySync();
  assert.deepEqual(frames.arraySync(), all.map((clip) => clip.slice(1, 4)));
  assert.deepEqual(next.arraySync(), all.map((clip) => clip[4]));
  assert.throws(() => frameWindow(clips, 3, 3), /start must be a whole number from 0 to 2/);
  assert.throws(() => frameWindow(clips, 0, 0), RangeError);

  const repeated = repeatFrame(next, 3);
  assert.deepEqual(repeated.arraySync(), all.map((clip) => [clip[4], clip[4], clip[4]]));
  const slid = slideWindow(frames, next);
  assert.deepEqual(slid.arraySync(), all.map((clip) => clip.slice(2, 5)));
  const single = slideWindow(tf.zeros([2, 1, 8, 8, 1]) as tf.Tensor5D, next);
  assert.deepEqual(single.arraySync(), all.map((clip) => [clip[4]]));
  assert.throws(() => slideWindow(frames, tf.zeros([2, 8, 8, 3]) as tf.Tensor4D), /frame must have shape \[2, 8, 8, 1\]/);
  tf.dispose([clips, frames, next, repeated, slid, single]);
});
