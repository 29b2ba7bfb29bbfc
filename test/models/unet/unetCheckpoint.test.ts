/**
 * U-Net checkpoints, trainer and model folder on the cpu backend at the tiny config: a checkpoint round
 * trip is bit-exact (weights, both Adams, step) in both phases and training on from it equals training on
 * without it; the trainer's windows are deterministic; a model folder rolls out the trainer's videos.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { tinyUnetArgs } from '../../../models/unet/UnetConfig.ts';
import { UnetTrainer, windowStart } from '../../../models/unet/UnetTrainer.ts';
import { UnetBundle, saveUnetBundle } from '../../../models/unet/UnetBundle.ts';
import { restoreUnetCheckpoint, saveUnetCheckpoint } from '../../../models/unet/unetCheckpoint.ts';
import { CheckpointStore } from '../../../models/training/CheckpointStore.ts';
import { Vocabulary } from '../../../text/Vocabulary.ts';
import type { Clip } from '../../../datasets/clip.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { weightBits } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const CAPTIONS = ['digit 1 is moving left and right', 'digit 2 is moving up and down', 'digit 3 is moving up and down'];
const T = 8;

function vocabulary(): Vocabulary {
  const v = new Vocabulary();
  for (const c of CAPTIONS) v.add(c.split(' '));
  return v.finalize();
}

/** Clips of T frames of 20x20 grey (resized to 16x16): a bright square moving by a clip-set step. */
function clips(seed: number): Clip[] {
  return CAPTIONS.map((caption, i) => {
    const frames = new Uint8Array(T * 20 * 20);
    for (let f = 0; f < T; f++) {
      const x = (seed * 3 + i * 5 + f * (i + 1)) % 14;
      const y = (seed * 7 + i * 2 + f) % 14;
      for (let dy = 0; dy < 6; dy++) for (let dx = 0; dx < 6; dx++) frames[f * 400 + (y + dy) * 20 + x + dx] = 200 + i * 20;
    }
    return { id: `c${i}`, frames, shape: [T, 20, 20, 1], caption, tokens: caption.split(' '), split: 'train', source: 'test', attributes: {} };
  });
}

/** Tiny U-Net: window 3 of 16x16; MSE for steps 0-1, adversarial from step 2. */
function trainer(overrides: { seed?: number; adversarialFromStep?: number } = {}): UnetTrainer {
  const { sentenceDim, ...args } = tinyUnetArgs({ seed: overrides.seed ?? 5 });
  return new UnetTrainer({
    model: { ...args, advWeight: 0.1, adversarialFromStep: overrides.adversarialFromStep ?? 2, learningRates: { predictor: 1e-3, discriminator: 1e-3 } },
    vocabulary: vocabulary(),
    captionLength: 8,
    clipFrames: T,
  });
}

function allBits(t: UnetTrainer): Buffer[] {
  return [t.model.predictor, t.model.discriminator.model].flatMap(weightBits);
}

// At 2 and 5 Adam iterations, tfjs's pow(beta2, iterations + 1) differs from the running product in the
// last bit: a restore that let setWeights recompute the powers would fail here.
for (const at of [2, 5]) {
  test(`checkpoint at step ${at} (${at <= 2 ? 'MSE phase: the discriminator Adam has no moments yet' : 'adversarial phase'}): bit-exact round trip, and training on from it equals training on without it`, async () => {
    const dir = await tempDir();
    const store = new CheckpointStore(join(dir, 'checkpoints'), 2);
    const a = trainer();
    for (let s = 1; s <= at; s++) a.trainStep(clips(s));
    await saveUnetCheckpoint(store, a.model, { config: { note: 'x' } }, { encoder: a.encoder });

    const b = trainer();
    assert.notDeepEqual(allBits(b), allBits(a), 'a fresh model differs from the trained one');
    const state = await restoreUnetCheckpoint(await store.load(at), b.model, { encoder: b.encoder });
    assert.deepEqual(state['config'], { note: 'x' });
    assert.equal(b.model.step, at);
    assert.deepEqual(allBits(b), allBits(a), 'every weight restored exactly');
    const slots = state['optimizerSlots'] as Record<string, number>;
    assert.ok(slots['predictor']! > 1, 'the predictor Adam has moments');
    for (const name of ['predictor', 'discriminator'] as const) {
      const powers = (t: UnetTrainer) => {
        const adam = t.model.optimizers[name] as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
        return [adam.accBeta1, adam.accBeta2].map((v) => Buffer.from((v.dataSync() as Float32Array).slice().buffer));
      };
      assert.deepEqual(powers(b), powers(a), `${name} Adam's running powers of beta restored exactly`);
    }
    if (at <= 2) assert.equal(slots['discriminator'], 1, 'only the iterations of an unused optimiser');
    else assert.ok(slots['discriminator']! > 1);

    // Adam's moments and running beta powers: further steps (crossing into the adversarial phase) must
    // give identical losses and weights.
    const tensors = tf.memory().numTensors;
    for (let s = at + 1; s <= at + 2; s++) {
      const ra = a.trainStep(clips(s));
      const rb = b.trainStep(clips(s));
      assert.deepEqual(rb, ra, `step ${s}`);
      assert.equal(ra.phase, s - 1 >= 2 ? 'adversarial' : 'mse');
    }
    assert.deepEqual(allBits(b), allBits(a), 'the steps after a restore equal the uninterrupted steps');
    // Past the first adversarial step every optimiser slot exists: a step makes no new tensors.
    if (at > 2) assert.equal(tf.memory().numTensors, tensors, 'no leaked tensors');
    a.model.dispose();
    b.model.dispose();
  });
}

test('a restore into a model built with other args fails, naming the network', async () => {
  const dir = await tempDir();
  const store = new CheckpointStore(join(dir, 'checkpoints'));
  const a = trainer();
  a.trainStep(clips(1));
  await saveUnetCheckpoint(store, a.model, {});
  const { sentenceDim, ...args } = tinyUnetArgs({ encoderChannels: [4, 8] });
  const other = new UnetTrainer({ model: args, vocabulary: vocabulary(), captionLength: 8 });
  await assert.rejects(restoreUnetCheckpoint(await store.load(1), other.model), /"predictor"|weights|shape/i);
  a.model.dispose();
  other.model.dispose();
});

test('without the checkpoint the continuation differs (the test above can fail)', () => {
  const a = trainer();
  const b = trainer();
  a.trainStep(clips(1));
  a.trainStep(clips(2));
  b.model.step = 2; // the step only, no weights or optimiser state
  assert.notDeepEqual(b.trainStep(clips(3)), a.trainStep(clips(3)));
  a.model.dispose();
  b.model.dispose();
});

test('windows: deterministic in (seed, step, clip index), within the clip, spread over all starts', () => {
  const starts = new Set<number>();
  for (let step = 0; step < 50; step++) {
    for (let i = 0; i < 4; i++) {
      const s = windowStart(5, step, i, T, 3);
      assert.equal(s, windowStart(5, step, i, T, 3));
      assert.ok(s >= 0 && s <= T - 3 - 1, `start ${s}`);
      starts.add(s);
    }
  }
  assert.equal(starts.size, T - 3, 'every start 0..T-d-1 occurs');
  const a = Array.from({ length: 20 }, (_, step) => windowStart(5, step, 0, T, 3));
  assert.notDeepEqual(a, Array.from({ length: 20 }, (_, step) => windowStart(6, step, 0, T, 3)), 'another seed, other windows');
  assert.throws(() => windowStart(0, 0, 0, 3, 3), /cannot hold a window of 3/);
  const t = trainer();
  assert.throws(() => t.trainStep(clips(1).map((c) => ({ ...c, shape: [3, 20, 20, 1] as Clip['shape'], frames: c.frames.subarray(0, 1200) }))), /has 3 frames/);
  t.model.dispose();
});

test('the model folder rolls out the same videos as the trainer; captions change the rollout', async () => {
  const dir = await tempDir();
  const t = trainer({ adversarialFromStep: 100 });
  for (let s = 1; s <= 3; s++) t.trainStep(clips(s));
  await saveUnetBundle(join(dir, 'model'), t, { training: { steps: 3 } });
  const bundle = await UnetBundle.load(join(dir, 'model'));
  assert.equal(bundle.info.kind, 'unet');
  assert.equal(bundle.info.format, 't2v-model');
  assert.equal(bundle.window, 3);
  assert.equal(bundle.info.args.sentenceDim, vocabulary().size);
  assert.equal((bundle.info.args as unknown as Record<string, unknown>)['learningRates'], undefined, 'training settings stay out');
  const firsts = clips(9);
  const captions = [CAPTIONS[0]!, CAPTIONS[1]!, CAPTIONS[2]!];
  const tensors = tf.memory().numTensors;
  const fromTrainer = t.generate(captions, firsts, 4, { batch: 2 });
  assert.equal(tf.memory().numTensors, tensors, 'generate leaks no tensors');
  const fromBundle = bundle.videos(captions, firsts, 4);
  assert.equal(fromBundle.length, 3);
  assert.deepEqual(fromBundle[0]!.shape, [3 + 4, 16, 16, 1], 'the 3 given frames, then 4 predicted');
  assert.deepEqual(fromBundle.map((v) => Buffer.from(v.frames)), fromTrainer.map((v) => Buffer.from(v.frames)));
  const predictedOnly = t.generate(captions, firsts, 4, { context: false, size: 20 });
  assert.deepEqual(predictedOnly[0]!.shape, [4, 20, 20, 1]);
  // Same first frames, another caption: another video.
  // (Compared as floats: after 3 tiny steps the difference may be under one grey level.)
  const window = tf.randomUniform([1, 3, 16, 16, 1], -1, 1, 'float32', 4) as tf.Tensor5D;
  const ids = (caption: string) => tf.tensor2d([t.vocabulary.encode(caption.split(' '), { length: 8 })], [1, 8], 'int32');
  const rolled = [CAPTIONS[0]!, CAPTIONS[2]!].map((caption) => tf.tidy(() => t.rollout(window, t.encode(ids(caption)), 2).dataSync()));
  assert.notDeepEqual(Array.from(rolled[0]!), Array.from(rolled[1]!), 'the caption conditions the rollout');
  window.dispose();
  // The given frames open the video unchanged (up to the resize).
  const again = t.generate([CAPTIONS[0]!], [firsts[0]!], 1);
  assert.deepEqual(Buffer.from(again[0]!.frames.subarray(0, 3 * 256)), Buffer.from(fromTrainer[0]!.frames.subarray(0, 3 * 256)));
  await assert.rejects(UnetBundle.load(dir), /not a t2v model folder/);
  bundle.dispose();
  t.model.dispose();
});
