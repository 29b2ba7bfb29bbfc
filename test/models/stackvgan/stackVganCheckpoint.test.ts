/**
 * StackGAN-I -> VGAN checkpoints and model folders on the cpu backend at the tiny config: a checkpoint
 * round trip is bit-exact (every network, all six Adams, step) in the text phase and in the GAN phase, and
 * training on from it equals training on without it; a model folder opened through loadVideoModel makes
 * videos of the model's shape, the same bytes as the trainer, different for another caption or seed.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { CheckpointStore } from '../../../models/training/CheckpointStore.ts';
import { restoreStackVganCheckpoint, saveStackVganCheckpoint } from '../../../models/stackvgan/stackVganCheckpoint.ts';
import { StackVganBundle, saveStackVganBundle } from '../../../models/stackvgan/StackVganBundle.ts';
import type { StackVganTrainer } from '../../../models/stackvgan/StackVganTrainer.ts';
import { jobNoise } from '../../../models/stackvgan/twoStageGeneration.ts';
import { loadVideoModel } from '../../../models/generation/videoModel.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { CAPTIONS, clips, trainer, weightBits } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

function allBits(t: StackVganTrainer): Buffer[] {
  return weightBits(Object.values(t.model.networks()));
}

function powers(t: StackVganTrainer): Buffer[] {
  return Object.values(t.model.allOptimizers()).flatMap((o) => {
    const adam = o as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    return [adam.accBeta1, adam.accBeta2].map((v) => Buffer.from((v.dataSync() as Float32Array).slice().buffer));
  });
}

// textSteps 2: a checkpoint at step 1 is mid text phase (the GAN Adams unused), at 4 in the GAN phase.
for (const at of [1, 4]) {
  test(`checkpoint at step ${at} (${at < 2 ? 'text phase' : 'GAN phase'}): bit-exact round trip; training on from it equals training on without it`, async () => {
    const dir = await tempDir();
    const store = new CheckpointStore(join(dir, 'checkpoints'), 2);
    const a = trainer();
    for (let s = 1; s <= at; s++) a.trainStep(clips(s));
    await saveStackVganCheckpoint(store, a.model, { config: { note: 'x' } });

    const b = trainer();
    assert.notDeepEqual(allBits(b), allBits(a), 'a fresh model differs from the trained one');
    const state = await restoreStackVganCheckpoint(await store.load(at), b.model);
    assert.deepEqual(state['config'], { note: 'x' });
    assert.equal(b.model.step, at);
    assert.deepEqual(allBits(b), allBits(a), 'every weight restored exactly');
    assert.deepEqual(powers(b), powers(a), "every Adam's running powers of beta restored exactly");
    const slots = state['optimizerSlots'] as Record<string, number>;
    assert.deepEqual(Object.keys(slots).sort(), ['image', 'imageDiscriminator', 'joint', 'vae', 'video', 'videoDiscriminator']);
    assert.ok(slots['vae']! > 1 && slots['joint']! > 1);
    if (at < 2) for (const name of ['image', 'imageDiscriminator', 'video', 'videoDiscriminator']) assert.equal(slots[name], 1, `${name}: only the iterations of an unused optimiser`);
    else for (const name of ['image', 'imageDiscriminator', 'video', 'videoDiscriminator']) assert.ok(slots[name]! > 1, name);

    // Across the phase change (from 1) and within the GAN phase (from 4): identical losses and weights.
    for (let s = at + 1; s <= at + 2; s++) assert.deepEqual(b.trainStep(clips(s)), a.trainStep(clips(s)), `step ${s}`);
    assert.deepEqual(allBits(b), allBits(a), 'the steps after a restore equal the uninterrupted steps');
    a.model.dispose();
    b.model.dispose();
  });
}

test('without the checkpoint the continuation differs (the test above can fail)', () => {
  const a = trainer();
  const b = trainer();
  for (let s = 1; s <= 3; s++) a.trainStep(clips(s));
  b.model.step = 3; // the step only, no weights or optimiser state
  assert.notDeepEqual(b.trainStep(clips(4)), a.trainStep(clips(4)));
  a.model.dispose();
  b.model.dispose();
});

test('a restore into a model built with other args fails, naming the network', async () => {
  const dir = await tempDir();
  const store = new CheckpointStore(join(dir, 'checkpoints'));
  const a = trainer();
  a.trainStep(clips(1));
  await saveStackVganCheckpoint(store, a.model, {});
  const other = trainer({ videoGChannels: [8, 8, 8] });
  await assert.rejects(restoreStackVganCheckpoint(await store.load(1), other.model), /"videoGenerator"|weights|shape/i);
  a.model.dispose();
  other.model.dispose();
});

test('the model folder, opened by loadVideoModel, makes videos of the model shape: the trainer\'s bytes; caption and seed matter', async () => {
  const dir = await tempDir();
  const t = trainer();
  for (let s = 1; s <= 4; s++) t.trainStep(clips(s));
  await saveStackVganBundle(join(dir, 'model'), t, { training: { trainedSteps: 4, dataset: 'x' } });

  const bundle = await StackVganBundle.load(join(dir, 'model'));
  assert.equal(bundle.info.kind, 'stackvgan');
  assert.equal(bundle.info.format, 't2v-model');
  assert.equal(bundle.info.wordVectors.source, 'random');
  assert.equal((bundle.info.args as unknown as Record<string, unknown>)['learningRates'], undefined, 'training settings stay out');
  assert.equal((bundle.info.args as unknown as Record<string, unknown>)['wordTable'], undefined, 'the word table is in text-encoder/, not the JSON');
  const jobs = [{ caption: CAPTIONS[0]!, seed: 1 }, { caption: CAPTIONS[1]!, seed: 2 }, { caption: CAPTIONS[0]!, seed: 3 }];
  const tensors = tf.memory().numTensors;
  const fromTrainer = t.generate(jobs, { batch: 2 });
  assert.equal(tf.memory().numTensors, tensors, 'generate leaks no tensors');
  const fromBundle = bundle.videos(jobs);
  assert.deepEqual(fromBundle.map((v) => Buffer.from(v.frames)), fromTrainer.map((v) => Buffer.from(v.frames)), 'same bytes (and batching does not matter)');
  assert.deepEqual(fromBundle.map((v) => Buffer.from(v.image.frames)), fromTrainer.map((v) => Buffer.from(v.image.frames)));
  bundle.dispose();

  const model = await loadVideoModel(join(dir, 'model'));
  assert.equal(model.kind, 'stackvgan');
  assert.match(model.summary, /^stackvgan, 4x16x16x1 \(caption -> image -> video\), trained 4 steps$/);
  const videos = await model.generate(jobs);
  assert.equal(videos.length, 3);
  for (const v of videos) {
    assert.deepEqual(v.shape, [4, 16, 16, 1]);
    assert.equal(v.frames.length, 4 * 16 * 16);
  }
  assert.deepEqual(videos.map((v) => Buffer.from(v.frames)), fromTrainer.map((v) => Buffer.from(v.frames)));
  model.dispose();

  // The caption conditions the output (compared as floats: after 4 tiny steps a change may be under a grey level).
  const ids = (caption: string) => tf.tensor2d([t.vocabulary.encode(caption.split(' '), { length: t.captionLength })], [1, t.captionLength], 'int32');
  const noise = tf.randomNormal([1, t.imageNoiseDim], 0, 1, 'float32', 9) as tf.Tensor2D;
  const eps = tf.randomNormal([1, t.conditionDim], 0, 1, 'float32', 10) as tf.Tensor2D;
  const made = [CAPTIONS[0]!, CAPTIONS[1]!].map((c) => tf.tidy(() => Array.from(t.image(t.sentences(ids(c)), noise, eps).dataSync())));
  assert.notDeepEqual(made[0], made[1], 'the caption conditions the Stage-I image');
  tf.dispose([noise, eps]);
  // Another seed, another video (floats, for the same reason).
  const chain = (seed: number) =>
    tf.tidy(() => {
      const sentences = t.sentences(ids(CAPTIONS[0]!));
      const { z1, eps: e, z2 } = jobNoise(t, [seed]);
      return Array.from(t.video(t.image(sentences, z1, e), sentences, z2).dataSync());
    });
  assert.deepEqual(chain(1), chain(1));
  assert.notDeepEqual(chain(1), chain(3), 'another seed, another video');

  // Stage-II alone from given first frames.
  const given = t.generate(jobs.slice(0, 2), { from: clips(7).slice(0, 2), size: 20 });
  assert.deepEqual(given[0]!.shape, [4, 20, 20, 1]);
  assert.deepEqual(given[0]!.image.shape, [1, 20, 20, 1]);
  await assert.rejects(StackVganBundle.load(dir), /not a t2v model folder/);
  t.model.dispose();
});
