/** UnetModel on the cpu backend at the tiny config: both phases, MSE learning, determinism, rollout, checks, no leaks. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { tinyUnetArgs } from '../../../models/unet/UnetConfig.ts';
import { UnetModel } from '../../../models/unet/UnetModel.ts';
import type { UnetModelArgs, UnetStepResult, UnetTrainBatch } from '../../../models/unet/UnetModel.ts';
import { repeatFrame } from '../../../models/unet/frameWindows.ts';
import { bits, trainBatch, weightBits } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const N = 2;

function assertFinite(r: UnetStepResult): void {
  for (const [name, v] of Object.entries(r)) {
    if (name !== 'phase') assert.ok(Number.isFinite(v), `${name} = ${String(v)}`);
  }
}

const changed = (a: Buffer[], b: Buffer[]): number => a.filter((w, i) => !w.equals(b[i]!)).length;

test('adversarial steps: finite losses that add up, both networks change, no leaked tensors', () => {
  const args: UnetModelArgs = { ...tinyUnetArgs(), advWeight: 0.1, mseWeight: 2 };
  const model = new UnetModel(args);
  const batch = trainBatch(args, N, 1);
  const initial = { predictor: weightBits(model.predictor), discriminator: weightBits(model.discriminator.model) };
  let tensorsAfterFirst = 0;
  for (let i = 0; i < 3; i++) {
    const r = model.trainStep(batch);
    assertFinite(r);
    assert.equal(r.phase, 'adversarial');
    assert.deepEqual(Object.keys(r).sort(), ['adversarial', 'dFake', 'dLoss', 'dReal', 'dWrong', 'loss', 'mse', 'phase']);
    assert.ok(Math.abs(r.loss - (2 * r.mse + 0.1 * r.adversarial!)) < 1e-5, `loss ${r.loss} = 2·mse + 0.1·adversarial`);
    assert.ok(Math.abs(r.dLoss! - (r.dReal! + r.dFake! + r.dWrong!)) < 1e-5);
    if (i === 0) tensorsAfterFirst = tf.memory().numTensors; // optimiser slots now exist
    else assert.equal(tf.memory().numTensors, tensorsAfterFirst, `step ${i + 1} leaked tensors`);
  }
  assert.equal(model.step, 3);
  // Trainable weights and batch-norm moving statistics all move.
  assert.equal(changed(initial.predictor, weightBits(model.predictor)), initial.predictor.length, 'every predictor weight moved');
  assert.equal(changed(initial.discriminator, weightBits(model.discriminator.model)), initial.discriminator.length, 'every discriminator weight moved');
  // Without wrong captions the (real, wrong) term is left out.
  const { wrongSentences, ...noWrong } = batch;
  const r = model.trainStep(noWrong);
  assert.equal(r.dWrong, undefined);
  assert.ok(Math.abs(r.dLoss! - (r.dReal! + r.dFake!)) < 1e-5);
  assert.equal(tf.memory().numTensors, tensorsAfterFirst, 'no leak without wrong captions');
  const counts = model.countParams();
  assert.equal(counts.total, counts.predictor + counts.discriminator);
  model.dispose();
  tf.dispose([wrongSentences, ...Object.values(noWrong)]);
});

test('MSE phase (advWeight 0): no discriminator step, and the MSE on a fixed batch falls over 20 steps', () => {
  const args: UnetModelArgs = { ...tinyUnetArgs(), learningRates: { predictor: 2e-3 } };
  const model = new UnetModel(args);
  const batch = trainBatch(args, N, 2);
  const discriminator = weightBits(model.discriminator.model);
  const losses: number[] = [];
  let tensors = 0;
  for (let i = 0; i < 20; i++) {
    const r = model.trainStep(batch);
    assertFinite(r);
    assert.equal(r.phase, 'mse');
    assert.deepEqual(Object.keys(r).sort(), ['loss', 'mse', 'phase']);
    assert.equal(r.loss, r.mse);
    losses.push(r.mse);
    if (i === 0) tensors = tf.memory().numTensors;
    else assert.equal(tf.memory().numTensors, tensors, `step ${i + 1} leaked tensors`);
  }
  assert.ok(losses[19]! < 0.5 * losses[0]!, `MSE ${losses[0]} -> ${losses[19]}`);
  assert.equal(changed(discriminator, weightBits(model.discriminator.model)), 0, 'the discriminator did not move');
  model.dispose();
  tf.dispose(Object.values(batch));
});

test('adversarialFromStep: MSE only until that step, then the discriminator joins', () => {
  const model = new UnetModel({ ...tinyUnetArgs(), advWeight: 0.5, adversarialFromStep: 2 });
  assert.deepEqual([0, 1, 2, 3].map((s) => model.phaseAt(s)), ['mse', 'mse', 'adversarial', 'adversarial']);
  const batch = trainBatch(model.args, N, 3);
  const phases = [0, 1, 2].map(() => model.trainStep(batch).phase);
  assert.deepEqual(phases, ['mse', 'mse', 'adversarial']);
  model.dispose();
  tf.dispose(Object.values(batch));
});

test('same seed: bit-identical weights and losses after 3 steps (both phases); another seed differs', () => {
  const args: UnetModelArgs = { ...tinyUnetArgs(), advWeight: 0.1, adversarialFromStep: 1 };
  const run = (seed: number): { losses: UnetStepResult[]; weights: Buffer[] } => {
    const model = new UnetModel({ ...args, seed });
    const losses: UnetStepResult[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = trainBatch(args, N, 10 + i);
      losses.push(model.trainStep(batch));
      tf.dispose(Object.values(batch));
    }
    const weights = [model.predictor, model.discriminator.model].flatMap(weightBits);
    model.dispose();
    return { losses, weights };
  };
  const a = run(5);
  const b = run(5);
  assert.deepEqual(b.losses, a.losses);
  assert.equal(b.weights.length, a.weights.length);
  b.weights.forEach((w, i) => assert.ok(w.equals(a.weights[i]!), `weight ${i} differs`));
  const c = run(6);
  assert.notDeepEqual(c.losses, a.losses);
  assert.ok(c.weights.some((w, i) => !w.equals(a.weights[i]!)));
});

test('rollout: [N, frames, H, W, C] in [-1, 1], deterministic, the same as predicting and sliding by hand', () => {
  const args = tinyUnetArgs();
  const model = new UnetModel(args);
  const batch = trainBatch(args, N, 4);
  model.trainStep(batch); // moving statistics away from their initial values
  const before = tf.memory().numTensors;
  const a = model.rollout(batch.frames, batch.sentences, 4);
  const b = model.rollout(batch.frames, batch.sentences, 4);
  assert.equal(tf.memory().numTensors, before + 2, 'only the two results are new');
  assert.deepEqual(a.shape, [N, 4, 16, 16, 1]);
  assert.ok(bits(a).equals(bits(b)), 'deterministic');
  assert.ok(a.abs().max().dataSync()[0]! <= 1);
  assert.ok(!batch.frames.isDisposed, "the caller's window is not disposed");
  // By hand: predict, append, predict on the last d frames, ...
  const hand = tf.tidy(() => {
    let clip = batch.frames as tf.Tensor;
    for (let k = 0; k < 4; k++) {
      const window = clip.slice([0, k], [N, args.frames]) as tf.Tensor5D;
      clip = tf.concat([clip, model.predict(window, batch.sentences).expandDims(1)], 1);
    }
    return clip.slice([0, args.frames], [N, 4]);
  });
  assert.ok(bits(hand).equals(bits(a)), 'rollout = predict + slide');
  // The first predicted frame is model.predict on the given window.
  const firstFrame = model.predict(batch.frames, batch.sentences);
  assert.deepEqual(Array.from(a.slice([0, 0], [N, 1]).dataSync()), Array.from(firstFrame.dataSync()));
  // From one frame: the same as from that frame repeated d times.
  const frame = batch.next;
  const fromOne = model.rollout(frame, batch.sentences, 3);
  const fromRepeated = model.rollout(repeatFrame(frame, args.frames), batch.sentences, 3);
  assert.deepEqual(fromOne.shape, [N, 3, 16, 16, 1]);
  assert.ok(bits(fromOne).equals(bits(fromRepeated)));
  // The caption steers the rollout.
  const other = model.rollout(frame, batch.wrongSentences, 3);
  assert.ok(!bits(other).equals(bits(fromOne)), 'caption ignored');
  tf.dispose([a, b, hand, firstFrame, fromOne, fromRepeated, other, ...Object.values(batch)]);
  model.dispose();
  assert.throws(() => model.rollout(frame, batch.sentences, 1), /disposed/);
});

test('bad model args and inputs are RangeErrors', () => {
  const args = tinyUnetArgs();
  const badArgs: [Partial<UnetModelArgs>, RegExp][] = [
    [{ learningRates: { discriminator: 0 } }, /learningRates.discriminator/],
    [{ adamBeta1: 1 }, /adamBeta1/],
    [{ mseWeight: -1 }, /mseWeight/],
    [{ advWeight: Number.NaN }, /advWeight/],
    [{ mseWeight: 0, advWeight: 0 }, /cannot both be 0/],
    [{ adversarialFromStep: 1.5 }, /adversarialFromStep/],
    [{ matchingWeights: { wrong: -1 } }, /matchingWeights.wrong/],
    [{ realLabel: 0.5 }, /realLabel/],
    [{ size: 20 }, /size must be a multiple of 8/],
  ];
  for (const [override, message] of badArgs) {
    assert.throws(() => new UnetModel({ ...args, ...override }), (e: unknown) => e instanceof RangeError && message.test(e.message), JSON.stringify(override));
  }
  const model = new UnetModel(args);
  const batch = trainBatch(args, N, 5);
  const cases: [Partial<UnetTrainBatch>, RegExp][] = [
    [{ frames: tf.zeros([N, 4, 16, 16, 1]) as tf.Tensor5D }, /frames must have shape \[N, 3, 16, 16, 1\]/],
    [{ next: tf.zeros([N, 16, 16, 3]) as tf.Tensor4D }, /next must have shape \[2, 16, 16, 1\]/],
    [{ sentences: tf.zeros([N + 1, args.sentenceDim]) as tf.Tensor2D }, /sentences must have shape \[2, 6\]/],
    [{ wrongSentences: tf.zeros([N, 5]) as tf.Tensor2D }, /wrongSentences must have shape \[2, 6\]/],
  ];
  for (const [override, message] of cases) {
    assert.throws(() => model.trainStep({ ...batch, ...override }), (e: unknown) => e instanceof RangeError && message.test(e.message));
  }
  assert.equal(model.step, 0);
  assert.throws(() => model.rollout(batch.frames, batch.sentences, 0), /frames must be a positive integer/);
  assert.throws(() => model.rollout(tf.zeros([N, 8, 8, 1]) as tf.Tensor4D, batch.sentences, 2), /first frame must have shape \[N, 16, 16, 1\]/);
  assert.throws(() => model.rollout(batch.frames, tf.zeros([1, 6]) as tf.Tensor2D, 2), /sentences must have shape \[2, 6\]/);
  assert.throws(() => model.predict(tf.zeros([N, 2, 16, 16, 1]) as tf.Tensor5D, batch.sentences), /frames must have shape/);
  tf.dispose(Object.values(batch));
  model.dispose();
});
