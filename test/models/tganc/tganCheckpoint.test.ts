/** A TGANs-C checkpoint round trip is exact: weights, Adam state and step; training on continues identically. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { tganPreset } from '../../../models/tganc/tganPresets.ts';
import { TganTrainer } from '../../../models/tganc/TganTrainer.ts';
import { restoreTganCheckpoint, saveTganCheckpoint } from '../../../models/tganc/tganCheckpoint.ts';
import { TganBundle, saveTganBundle } from '../../../models/tganc/TganBundle.ts';
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

function vocabulary(): Vocabulary {
  const v = new Vocabulary();
  for (const c of CAPTIONS) v.add(c.split(' '));
  return v.finalize();
}

/** Clips of 6 frames of 20x20 (the model takes the first 4 frames, resized to 16x16). */
function clips(seed: number): Clip[] {
  return CAPTIONS.map((caption, i) => {
    const frames = new Uint8Array(6 * 20 * 20);
    for (let k = 0; k < frames.length; k++) frames[k] = (k * 31 + i * 7 + seed * 13) % 256;
    return { id: `c${i}`, frames, shape: [6, 20, 20, 1], caption, tokens: caption.split(' '), split: 'train', source: 'test', attributes: {} };
  });
}

function trainer(): TganTrainer {
  return new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5 }, vocabulary: vocabulary(), captionLength: 8 });
}

function allBits(t: TganTrainer): Buffer[] {
  return [t.model.generator, t.model.sentenceEncoder!, ...t.model.discriminators.map((d) => d.model)].flatMap(weightBits);
}

test('checkpoint round trip is bit-exact, and training on from it equals training on without it', async () => {
  const dir = await tempDir();
  const store = new CheckpointStore(join(dir, 'checkpoints'), 2);
  const a = trainer();
  a.trainStep(clips(1));
  a.trainStep(clips(2));
  await saveTganCheckpoint(store, a.model, { config: { note: 'x' } });

  const b = trainer();
  assert.notDeepEqual(allBits(b), allBits(a), 'a fresh model differs from the trained one');
  const state = await restoreTganCheckpoint(await store.load(2), b.model);
  assert.deepEqual(state['config'], { note: 'x' });
  assert.equal(b.model.step, 2);
  assert.deepEqual(allBits(b), allBits(a), 'every weight restored exactly');

  // Adam's moments and running beta powers: one more step must give identical losses and weights.
  const ra = a.trainStep(clips(3));
  const rb = b.trainStep(clips(3));
  assert.deepEqual(rb, ra);
  assert.deepEqual(allBits(b), allBits(a), 'the step after a restore equals the uninterrupted step');
  a.model.dispose();
  b.model.dispose();
});

test('with the reconstruction loss and spectral norm: the posterior encoder, the u vectors and the Adams are checkpointed exactly', async () => {
  const dir = await tempDir();
  const store = new CheckpointStore(join(dir, 'checkpoints'), 2);
  const make = () => new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5, reconstructionWeight: 10, spectralNorm: true }, vocabulary: vocabulary(), captionLength: 8 });
  const a = make();
  a.trainStep(clips(1));
  a.trainStep(clips(2));
  await saveTganCheckpoint(store, a.model, {});
  const b = make();
  await restoreTganCheckpoint(await store.load(2), b.model);
  assert.deepEqual(weightBits(b.model.posterior!), weightBits(a.model.posterior!), 'the encoder restored exactly');
  const ra = a.trainStep(clips(3));
  const rb = b.trainStep(clips(3));
  assert.ok(ra.parts['reconstruction'] !== undefined);
  assert.deepEqual(rb, ra, 'the step after a restore equals the uninterrupted one');
  assert.deepEqual([...allBits(b), ...weightBits(b.model.posterior!)], [...allBits(a), ...weightBits(a.model.posterior!)]);
  a.model.dispose();
  b.model.dispose();
});

test('a saved model folder loads and generates the same videos as the trainer', async () => {
  const dir = await tempDir();
  const t = trainer();
  t.trainStep(clips(1));
  await saveTganBundle(join(dir, 'model'), t, { training: { steps: 1 } });
  const bundle = await TganBundle.load(join(dir, 'model'));
  assert.equal(bundle.info.kind, 'tganc');
  const fromTrainer = t.generate(CAPTIONS.slice(0, 2), { perCaption: 2, seed: 3 });
  const fromBundle = bundle.videos(CAPTIONS.slice(0, 2), { perCaption: 2, seed: 3 });
  assert.equal(fromBundle.length, 4);
  assert.deepEqual(fromBundle[0]!.shape, [4, 16, 16, 1]);
  assert.deepEqual(fromBundle.map((v) => Buffer.from(v.frames)), fromTrainer.map((v) => Buffer.from(v.frames)));
  assert.ok(!Buffer.from(fromBundle[0]!.frames).equals(Buffer.from(fromBundle[1]!.frames)), 'other noise, other video');
  await assert.rejects(TganBundle.load(dir), /not a t2v model folder/);
  bundle.dispose();
  t.model.dispose();
  assert.ok(tf.memory().numTensors >= 0);
});

test("a resize-upsampling generator's model folder loads and generates the trainer's videos", async () => {
  const dir = await tempDir();
  const t = new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5, gUpsample: 'resize' }, vocabulary: vocabulary(), captionLength: 8 });
  t.trainStep(clips(1));
  await saveTganBundle(join(dir, 'model'), t, { training: { steps: 1 } });
  const bundle = await TganBundle.load(join(dir, 'model'));
  const fromTrainer = t.generate(CAPTIONS, { perCaption: 1, seed: 3 });
  assert.deepEqual(bundle.videos(CAPTIONS, { perCaption: 1, seed: 3 }).map((v) => Buffer.from(v.frames)), fromTrainer.map((v) => Buffer.from(v.frames)));
  bundle.dispose();
  t.model.dispose();
});

test('the word classifier and a non-zero output bias survive checkpoint and model folder', async () => {
  const dir = await tempDir();
  const make = () => new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 6, outputBias: -1.5 }, vocabulary: vocabulary(), captionLength: 8, predictWords: true });
  const t = make();
  assert.equal(t.model.args.predictWords, vocabulary().size);
  const bias = t.model.generator.getLayer('g_up3_bias').getWeights()[0]!;
  assert.deepEqual(Array.from(bias.dataSync()), [-1.5], 'the output bias starts where asked');
  t.trainStep(clips(1));
  const store = new CheckpointStore(join(dir, 'checkpoints'));
  await saveTganCheckpoint(store, t.model, {});
  const u = make();
  await restoreTganCheckpoint(await store.load(1), u.model);
  assert.deepEqual(weightBits(u.model.discriminator('video')!.words!), weightBits(t.model.discriminator('video')!.words!));
  assert.deepEqual(u.trainStep(clips(2)), t.trainStep(clips(2)));
  await saveTganBundle(join(dir, 'model'), t, { training: {} });
  const bundle = await TganBundle.load(join(dir, 'model'));
  assert.deepEqual(bundle.videos(CAPTIONS, { seed: 1 }).map((v) => Buffer.from(v.frames)), t.generate(CAPTIONS, { seed: 1 }).map((v) => Buffer.from(v.frames)));
  bundle.dispose();
  t.model.dispose();
  u.model.dispose();
});

test('with the bag-of-words encoder: captions differ from the start, checkpoint and model folder round-trip', async () => {
  const dir = await tempDir();
  const t = new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5 }, vocabulary: vocabulary(), captionLength: 8, encoder: { kind: 'bow' } });
  assert.equal(t.model.args.sentenceDim, vocabulary().size);
  const ids = tf.tensor2d([[2, 3, 0, 0, 0, 0, 0, 0], [3, 2, 2, 0, 0, 0, 0, 0], [4, 0, 0, 0, 0, 0, 0, 0]], [3, 8], 'int32');
  const vectors = t.model.encode(ids).arraySync();
  assert.deepEqual(vectors[0], vectors[1], 'word order and repeats do not count');
  assert.notDeepEqual(vectors[0], vectors[2]);
  assert.equal(vectors[0]![0], 0, '<pad> never counts');
  t.trainStep(clips(1));
  const store = new CheckpointStore(join(dir, 'checkpoints'));
  await saveTganCheckpoint(store, t.model, {});
  const u = new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5 }, vocabulary: vocabulary(), captionLength: 8, encoder: { kind: 'bow' } });
  await restoreTganCheckpoint(await store.load(1), u.model);
  assert.deepEqual(u.trainStep(clips(2)), t.trainStep(clips(2)));
  await saveTganBundle(join(dir, 'model'), t, { training: {} });
  const bundle = await TganBundle.load(join(dir, 'model'));
  assert.equal(bundle.info.encoder.kind, 'bow');
  assert.deepEqual(bundle.videos(CAPTIONS, { seed: 1 }).map((v) => Buffer.from(v.frames)), t.generate(CAPTIONS, { seed: 1 }).map((v) => Buffer.from(v.frames)));
  bundle.dispose();
  t.model.dispose();
  u.model.dispose();
  ids.dispose();
});

test('frameWords: the frame discriminator judges frames without the caption and reads only those words', () => {
  const make = (frameWords?: string[]) =>
    new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5, wordClassifiers: ['video', 'frame'] }, vocabulary: vocabulary(), captionLength: 8, predictWords: true, ...(frameWords ? { frameWords } : {}) });
  const captioned = (order: number[]) => clips(1).map((c, i) => ({ ...c, caption: CAPTIONS[order[i]!]!, tokens: CAPTIONS[order[i]!]!.split(' ') }));
  const [a, b, all] = [make(['1', '2', '3']), make(['1', '2', '3']), make()];
  const ra = a.trainStep(captioned([0, 1, 2]));
  const rb = b.trainStep(captioned([2, 0, 1]));
  const rAll = all.trainStep(captioned([0, 1, 2]));
  assert.ok(!('dFrameWrong' in ra.parts) && 'dVideoWrong' in ra.parts, Object.keys(ra.parts).join());
  // The same clips with other captions: the frame discriminator's real term cannot tell; the video one's does.
  assert.equal(ra.parts['dFrameReal'], rb.parts['dFrameReal']);
  assert.notEqual(ra.parts['dVideoReal'], rb.parts['dVideoReal']);
  // Three words counted instead of the whole vocabulary: a smaller loss from the same start.
  assert.ok(ra.parts['dFrameWords']! < rAll.parts['dFrameWords']!, `${ra.parts['dFrameWords']} vs ${rAll.parts['dFrameWords']}`);
  for (const t of [a, b, all]) t.model.dispose();
  assert.throws(() => make(['seven']), /frameWords not in the vocabulary: "seven"/);
});

test('captionFreeHeads and videoWords: the listed heads judge without the caption; the video classifier reads only its words', () => {
  const make = (extra: { videoWords?: string[]; free?: ('video' | 'motion')[] }) =>
    new TganTrainer({
      model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5, wordClassifiers: ['video', 'frame'], ...(extra.free ? { captionFreeHeads: extra.free } : {}) },
      vocabulary: vocabulary(),
      captionLength: 8,
      predictWords: true,
      frameWords: ['1', '2', '3'],
      ...(extra.videoWords ? { videoWords: extra.videoWords } : {}),
    });
  const captioned = (order: number[]) => clips(1).map((c, i) => ({ ...c, caption: CAPTIONS[order[i]!]!, tokens: CAPTIONS[order[i]!]!.split(' ') }));
  const [a, b, all] = [make({ free: ['video', 'motion'], videoWords: ['up', 'down'] }), make({ free: ['video', 'motion'], videoWords: ['up', 'down'] }), make({})];
  const ra = a.trainStep(captioned([0, 1, 2]));
  const rb = b.trainStep(captioned([2, 0, 1]));
  const rAll = all.trainStep(captioned([0, 1, 2]));
  for (const kind of ['Video', 'Frame', 'Motion']) {
    assert.ok(!(`d${kind}Wrong` in ra.parts), `no d${kind}Wrong`);
    assert.equal(ra.parts[`d${kind}Real`], rb.parts[`d${kind}Real`], `d${kind}Real does not depend on the captions`);
  }
  assert.ok('dMotionWrong' in rAll.parts);
  assert.ok(ra.parts['dWords']! < rAll.parts['dWords']!, `video words: ${ra.parts['dWords']} (2 words) vs ${rAll.parts['dWords']} (all)`);
  for (const t of [a, b, all]) t.model.dispose();
  assert.throws(() => make({ videoWords: ['sideways'] }), /videoWords not in the vocabulary: "sideways"/);
});
