/**
 * The digit evaluator end to end on wasm: brief seeded training on real clips, save (model.json,
 * weights.bin, eval.json) and load back, then scoring real clips with it.
 *
 * Kept to ~15 s: centroid crops (28x28) instead of whole 64x64 frames, a small network without a hidden
 * dense layer, 1,500 training clips for 6 epochs. That is enough to classify the handwriting it trained on
 * (~99%); held-out handwriting reaches ~90% at this size (~97% at the full size, see the report), so the
 * held-out bar here is only a sanity check.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Clip } from '../../../datasets/clip.ts';
import { bouncingDigits, digitsCaption, type Motion } from '../../../datasets/synthetic/bouncingDigits.ts';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { DigitFrameClassifier } from '../../../models/eval/DigitFrameClassifier.ts';
import { toGreyVideo } from '../../../models/eval/greyVideo.ts';
import { heldOutPredicate, scoreVideos } from '../../../models/eval/scoreVideos.ts';
import { ShardWriter } from '../../../datasets/shards/ShardWriter.ts';
import {
  EVAL_JSON_FILENAME,
  datasetClipSources,
  loadEvaluator,
  saveEvaluator,
  trainDigitClassifier,
  type EvaluatorReport,
} from '../../../models/eval/trainEvaluator.ts';
import { tempDir } from '../../helpers/tmp.ts';

const SEED = 5;
const all = [...bouncingDigits({ count: 2200, seed: SEED })];
const train = all.filter((c) => c.split === 'train').slice(0, 1500);
const val = all.filter((c) => c.split === 'val');
const digitOf = (clip: Clip) => (clip.attributes['digits'] as number[])[0];
const motionOf = (clip: Clip) => (clip.attributes['motions'] as Motion[])[0];

let classifier: DigitFrameClassifier;
let report: EvaluatorReport;
let dir: string;

before(async () => {
  await selectBackend('wasm');
  const lines: string[] = [];
  ({ classifier, report } = await trainDigitClassifier({
    train,
    val,
    trainFrames: 1500,
    valFrames: 400,
    epochs: 6,
    learningRate: 3e-3,
    network: { dense: 0 },
    augment: {},
    seed: SEED,
    sourceDescription: `bouncingDigits seed ${SEED}`,
    log: (line) => lines.push(line),
  }));
  assert.ok(lines.some((l) => l.includes('epoch 6/6')), lines.join('\n'));
  dir = await tempDir('t2v-eval-');
});

test('training reports its settings and a held-out accuracy well above chance', (t) => {
  t.diagnostic(`held-out frame accuracy ${report.valAccuracy}, ${report.trainSeconds.toFixed(1)} s`);
  assert.equal(report.trainFrames, 1500);
  assert.equal(report.valFrames, 400);
  assert.equal(report.backend, 'wasm');
  assert.deepEqual(report.input, { kind: 'crop', side: 28 });
  assert.ok(report.valAccuracy > 0.8, `held-out accuracy ${report.valAccuracy}`);
  assert.equal(report.perDigitAccuracy.length, 10);
  assert.ok(report.trainSeconds > 0 && Number.isFinite(report.finalLoss));
});

test('saves model.json, weights.bin and eval.json, and loads back the same classifier', async () => {
  await saveEvaluator(dir, classifier, report);
  for (const file of ['model.json', 'weights.bin', EVAL_JSON_FILENAME]) assert.ok(existsSync(join(dir, file)), file);
  const saved = JSON.parse(await readFile(join(dir, EVAL_JSON_FILENAME), 'utf8')) as EvaluatorReport;
  assert.equal(saved.valAccuracy, report.valAccuracy);
  const loaded = await loadEvaluator(dir);
  assert.deepEqual(loaded.report, report);
  const videos = train.slice(0, 4).map((c) => toGreyVideo(c));
  const before = classifier.predictFrames(videos);
  const after = loaded.classifier.predictFrames(videos);
  for (let i = 0; i < videos.length; i++) assert.deepEqual(after[i].probabilities, before[i].probabilities);
  loaded.classifier.dispose();
  await assert.rejects(loadEvaluator(join(dir, 'missing')), /eval\.json/);
});

test('real clips score ≥ 95% on digit, motion and both, with consistent identity', (t) => {
  const scored = scoreVideos(train.slice(0, 300), classifier);
  const { overall } = scored;
  t.diagnostic(`digit accuracy ${overall.digitAccuracy}`);
  assert.ok(overall.digitAccuracy >= 0.95, `digit accuracy ${overall.digitAccuracy}`);
  assert.equal(overall.motionAccuracy, 1);
  assert.ok(overall.bothAccuracy >= 0.95, `both ${overall.bothAccuracy}`);
  // Every frame of a real clip gives the same crop, hence the same prediction.
  assert.equal(overall.meanConsistency, 1);
  assert.equal(overall.staticFraction, 0);
});

test('held-out handwriting, split into seen and unseen caption pairs', (t) => {
  const scored = scoreVideos(val.slice(0, 200), classifier, { isUnseen: heldOutPredicate(SEED, 0.2) });
  t.diagnostic(`held-out clip digit accuracy ${scored.overall.digitAccuracy}`);
  assert.ok(scored.overall.digitAccuracy > 0.75, `held-out clips ${scored.overall.digitAccuracy}`);
  // Under split 'combinations' every val clip shows a held-out (unseen) pair.
  assert.equal(scored.unseen?.videos, 200);
  assert.equal(scored.seen, undefined);
  assert.equal(scored.unseen?.motionAccuracy, 1);
});

test('a video whose digit changes halfway has consistency 0.5', () => {
  const right = scoreVideos(train.slice(0, 100), classifier).videos;
  const a = train.findIndex((_, i) => right[i].digitCorrect);
  const b = train.findIndex((c, i) => right[i].digitCorrect && digitOf(c) !== digitOf(train[a]));
  const half = 8 * 64 * 64;
  const frames = new Uint8Array(train[a].frames.length);
  frames.set(train[a].frames.subarray(0, half), 0);
  frames.set(train[b].frames.subarray(half), half);
  const [score] = scoreVideos([{ frames, shape: train[a].shape, caption: train[a].caption }], classifier).videos;
  assert.equal(score.digitConsistency, 0.5);
  assert.deepEqual(score.frameDigits, [...new Array(8).fill(digitOf(train[a])), ...new Array(8).fill(digitOf(train[b]))]);
});

test('a real clip captioned with the wrong motion has motionCorrect false', () => {
  const clip = train.find((c, i) => scoreVideos([c], classifier).videos[0].digitCorrect && i >= 0)!;
  const wrong: Motion = motionOf(clip) === 'horizontal' ? 'vertical' : 'horizontal';
  const [score] = scoreVideos([{ ...clip, caption: digitsCaption([{ digit: digitOf(clip), motion: wrong }]) }], classifier).videos;
  assert.equal(score.digitCorrect, true);
  assert.equal(score.motionCorrect, false);
  assert.equal(score.bothCorrect, false);
});

test('generator-style outputs (tanh floats on a 48x48 canvas) get the same digits', () => {
  // Same seed and index: the same digit instance and motion, on a smaller canvas (TGANs-C's size).
  const small = [...bouncingDigits({ count: 2200, seed: SEED, size: 48 })].filter((c) => c.split === 'train').slice(0, 100);
  assert.deepEqual(small.map((c) => c.caption), train.slice(0, 100).map((c) => c.caption));
  const asTanh = small.map((c) => ({ frames: Float32Array.from(c.frames, (v) => (v / 255) * 2 - 1), shape: c.shape, caption: c.caption }));
  const scored48 = scoreVideos(asTanh, classifier);
  const scored64 = scoreVideos(train.slice(0, 100), classifier);
  assert.deepEqual(scored48.videos.map((v) => v.digit), scored64.videos.map((v) => v.digit));
  assert.equal(scored48.overall.motionAccuracy, 1);
});

test('no tensors leak from scoring', () => {
  const before = tf.memory().numTensors;
  scoreVideos(train.slice(0, 20), classifier);
  assert.equal(tf.memory().numTensors, before);
});

test('trains from a shard dataset; whole-frame inputs take their size from the data', async () => {
  const out = join(dir, 'dataset');
  const writer = await ShardWriter.create({ out, maxShardBytes: 1 << 22, name: 'sbmg-small' });
  for (const clip of all.slice(0, 120)) await writer.add(clip);
  await writer.finish();
  const sources = await datasetClipSources(out, 1);
  const trained = await trainDigitClassifier({ ...sources, trainFrames: 48, valFrames: 16, framesPerClip: 2, epochs: 1, input: { kind: 'frame', side: 0 }, seed: 1 });
  assert.deepEqual(trained.report.input, { kind: 'frame', side: 64 });
  assert.equal(trained.report.trainFrames, 48);
  assert.equal(trained.report.valFrames, 16);
  assert.deepEqual(trained.report.augment, {});
  const [prediction] = trained.classifier.predictFrames([toGreyVideo(all[0])]);
  assert.equal(prediction.probabilities.length, 16 * 10);
  const small = { frames: new Uint8Array(16 * 48 * 48), shape: [16, 48, 48, 1] };
  assert.throws(() => trained.classifier.predictFrames([toGreyVideo(small)]), /64x64/);
  trained.classifier.dispose();
});

test('single-digit clips only', async () => {
  const two = [...bouncingDigits({ count: 4, seed: 1, digits: 2 })];
  await assert.rejects(trainDigitClassifier({ train: two, val: two, trainFrames: 4, valFrames: 4, epochs: 1 }), /single-digit/);
});
