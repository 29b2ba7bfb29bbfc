import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import '../../../models/io/fileSystemIO.ts';
import { mismatchedIndices } from '../../../models/text/captionBatch.ts';
import { JointEmbedding, L2Normalize, siameseMarginLoss, siamesePairs, validateJointEmbeddingArgs } from '../../../models/text/jointEmbedding.ts';
import { tempDir } from '../../helpers/tmp.ts';

before(async () => {
  await selectBackend('cpu');
});

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

function bytes(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

test('siameseMarginLoss: mean d² over matched + mean max(0, margin - d)² over mismatched (hand values and gradient)', () => {
  // Pair 0 matched: d² = 0.4² + 0.8² = 0.8. Pair 1 mismatched: d = √2 > margin 1 -> 0.
  // Pair 2 mismatched: d² = 0.2² + 0.6² = 0.4, d = 0.632456 -> (1 - d)² = 0.135088; push = mean over 2 pairs.
  const text = tf.tensor2d([[1, 0], [1, 0], [1, 0]]);
  const frames = tf.tensor2d([[0.6, 0.8], [0, 1], [0.8, 0.6]]);
  const d2 = Math.sqrt(0.4);
  const { loss, pull, push, distances } = siameseMarginLoss(text, frames, [1, 0, 0], 1);
  close(pull.dataSync()[0]!, 0.8, 1e-6, 'pull');
  close(push.dataSync()[0]!, (1 - d2) ** 2 / 2, 1e-6, 'push');
  close(loss.dataSync()[0]!, 0.8 + (1 - d2) ** 2 / 2, 1e-6, 'loss');
  const d = distances.dataSync();
  [Math.sqrt(0.8), Math.SQRT2, d2].forEach((v, k) => close(d[k]!, v, 1e-6, `distance ${k}`));
  // d loss / d frames: matched 2(f - t)/1; beyond the margin 0; within it -2(m - d)(f - t)/d / 2.
  const g = tf.grad((f: tf.Tensor) => siameseMarginLoss(text, f, tf.tensor1d([1, 0, 0]), 1).loss)(frames).arraySync() as number[][];
  const expected = [[-0.8, 1.6], [0, 0], [(-(1 - d2) * -0.2) / d2, (-(1 - d2) * 0.6) / d2]];
  expected.forEach((row, k) => row.forEach((v, j) => close(g[k]![j]!, v, 1e-5, `gradient [${k}, ${j}]`)));
});

test('siameseMarginLoss: margin already satisfied -> zero push term (and gradient); missing kinds count 0', () => {
  const text = tf.tensor2d([[1, 0], [1, 0], [0, 1]]);
  const frames = tf.tensor2d([[1, 0], [-1, 0], [0, -1]]); // the two mismatched pairs are 2 apart
  for (const margin of [1, 1.5, 1.99]) {
    const out = siameseMarginLoss(text, frames, [1, 0, 0], margin);
    assert.equal(out.push.dataSync()[0], 0, `margin ${margin}`);
    close(out.loss.dataSync()[0]!, 0, 1e-6, 'matched pair identical: loss 0');
  }
  const g = tf.grad((f: tf.Tensor) => siameseMarginLoss(text, f, [1, 0, 0], 1.5).push)(frames);
  assert.deepEqual(Array.from(g.dataSync(), (v) => v + 0), [0, 0, 0, 0, 0, 0]);
  // The same pairs with a margin above 2 push again: (2.5 - 2)² = 0.25 for both.
  close(siameseMarginLoss(text, frames, [1, 0, 0], 2.5).push.dataSync()[0]!, 0.25, 1e-5, 'margin 2.5');
  // Only matched / only mismatched pairs: the other term is 0, not NaN.
  assert.equal(siameseMarginLoss(text, frames, [1, 1, 1], 1).push.dataSync()[0], 0);
  close(siameseMarginLoss(text, frames, [1, 1, 1], 1).pull.dataSync()[0]!, (0 + 4 + 4) / 3, 1e-6, 'all matched');
  assert.equal(siameseMarginLoss(text, frames, [0, 0, 0], 3).pull.dataSync()[0], 0);
  assert.throws(() => siameseMarginLoss(text, frames, [1, 0], 1), RangeError);
  assert.throws(() => siameseMarginLoss(text, tf.zeros([3, 3]), [1, 0, 0], 1), RangeError);
  assert.throws(() => siameseMarginLoss(text, frames, [1, 0, 0], 0), RangeError);
});

test('siamesePairs: B matched pairs, then (sentence j, frame i) for each mismatched index j >= 0', () => {
  const sentences = tf.tensor2d([[0], [1], [2]]);
  const frames = tf.tensor4d([10, 11, 12], [3, 1, 1, 1]);
  const pairs = siamesePairs(sentences, frames, [2, -1, 0]);
  assert.deepEqual(Array.from(pairs.sentences.dataSync()), [0, 1, 2, 2, 0]);
  assert.deepEqual(Array.from(pairs.frames.dataSync()), [10, 11, 12, 10, 12]);
  assert.deepEqual(Array.from(pairs.matched.dataSync()), [1, 1, 1, 0, 0]);
  const none = siamesePairs(sentences, frames, [-1, -1, -1]);
  assert.deepEqual(none.matched.shape, [3]);
  assert.throws(() => siamesePairs(sentences, frames, [1, 3, 0]), RangeError);
  assert.throws(() => siamesePairs(sentences, frames, [1, 0]), RangeError);
});

test('branches: unit-length embeddings of size d; args validated by field; seeded; save/load', async () => {
  const args = { sentenceDim: 5, frameShape: [8, 8, 1] as [number, number, number], embeddingDim: 6, textHiddenDims: [8], frameFilters: [4, 8], seed: 1 };
  assert.throws(() => validateJointEmbeddingArgs({ ...args, frameShape: [6, 8, 1] }), /frameShape/);
  assert.throws(() => validateJointEmbeddingArgs({ ...args, embeddingDim: 0 }), /embeddingDim/);
  assert.throws(() => validateJointEmbeddingArgs({ ...args, margin: -1 }), /margin/);
  assert.throws(() => validateJointEmbeddingArgs({ ...args, frameFilters: [] }), /frameFilters/);
  const a = new JointEmbedding(args);
  const b = new JointEmbedding(args);
  const c = new JointEmbedding({ ...args, seed: 2 });
  const sentences = tf.randomNormal([3, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
  const frames = tf.randomUniform([3, 8, 8, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
  const t = a.embedText(sentences);
  const f = a.embedFrames(frames);
  assert.deepEqual([t.shape, f.shape], [[3, 6], [3, 6]]);
  for (const e of [t, f]) Array.from(tf.norm(e, 'euclidean', 1).dataSync()).forEach((n) => close(n, 1, 1e-5, 'norm'));
  assert.ok(bytes(t).equals(bytes(b.embedText(sentences))) && bytes(f).equals(bytes(b.embedFrames(frames))), 'same seed');
  assert.ok(!bytes(f).equals(bytes(c.embedFrames(frames))), 'another seed');
  // distances / distanceMatrix agree.
  const pairwise = a.distanceMatrix(sentences, frames).arraySync();
  Array.from(a.distances(sentences, frames).dataSync()).forEach((v, k) => close(v, pairwise[k]![k]!, 1e-3, `diag ${k}`));
  const dir = await tempDir();
  await a.frameBranch.save(`file://${join(dir, 'frame')}`);
  const back = await tf.loadLayersModel(`file://${join(dir, 'frame', 'model.json')}`);
  assert.ok(bytes(back.predict(frames) as tf.Tensor).equals(bytes(f)));
  assert.ok(back.layers.some((l) => l instanceof L2Normalize));
  for (const m of [a, b, c]) m.dispose();
  back.dispose();
});

// The synthetic problem: 8x8 frames, a bright 4x4 square in one of 4 quadrants; captions name it.
const POSITIONS = [['top', 'left'], ['top', 'right'], ['bottom', 'left'], ['bottom', 'right']] as const;
const WORDS = ['a', 'square', 'in', 'the', 'top', 'bottom', 'left', 'right'];

function caption(position: number): string[] {
  return ['a', 'square', 'in', 'the', ...POSITIONS[position]!];
}

/** Bag of words over WORDS: the caption's sentence vector. */
function sentenceVector(tokens: readonly string[]): number[] {
  return WORDS.map((w) => tokens.filter((t) => t === w).length);
}

function squareFrames(positions: number[], seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const pixels = positions.flatMap((p) => {
      const [top, left] = [p < 2 ? 0 : 4, p % 2 === 0 ? 0 : 4];
      return Array.from({ length: 64 }, (_, i) => (Math.floor(i / 8) >= top && Math.floor(i / 8) < top + 4 && i % 8 >= left && i % 8 < left + 4 ? 1 : -1));
    });
    const clean = tf.tensor4d(pixels, [positions.length, 8, 8, 1]);
    return tf.add(clean, tf.randomNormal(clean.shape, 0, 0.2, 'float32', seed)) as tf.Tensor4D;
  });
}

test('training separates matched from mismatched pairs: every frame ends nearest to the caption naming its position', () => {
  const model = new JointEmbedding({ sentenceDim: WORDS.length, frameShape: [8, 8, 1], embeddingDim: 8, textHiddenDims: [16], frameFilters: [4, 8], learningRate: 0.01, seed: 3 });
  const positions = Array.from({ length: 16 }, (_, i) => i % 4);
  const captions = positions.map(caption);
  const sentences = tf.tensor2d(captions.map(sentenceVector));
  const frames = squareFrames(positions, 1);
  const heldOut = squareFrames(positions, 2); // other noise
  const captionVectors = tf.tensor2d(POSITIONS.map((_, p) => sentenceVector(caption(p))));

  const gap = (m: JointEmbedding, f: tf.Tensor4D): { accuracy: number; matched: number; mismatched: number } => {
    const d = m.distanceMatrix(captionVectors, f).arraySync(); // [4 captions, 16 frames]
    let correct = 0;
    let [matched, mismatched] = [0, 0];
    positions.forEach((p, i) => {
      const column = d.map((row) => row[i]!);
      if (column.indexOf(Math.min(...column)) === p) correct++;
      matched += column[p]! / positions.length;
      mismatched += column.filter((_, q) => q !== p).reduce((x, y) => x + y, 0) / (3 * positions.length);
    });
    return { accuracy: correct / positions.length, matched, mismatched };
  };
  const start = gap(model, heldOut);
  const losses: number[] = [];
  let tensors = 0;
  for (let step = 0; step < 40; step++) {
    const pairs = siamesePairs(sentences, frames, mismatchedIndices(captions, 100 + step));
    losses.push(model.trainStep(pairs).loss);
    tf.dispose(pairs);
    if (step === 0) tensors = tf.memory().numTensors;
    else assert.equal(tf.memory().numTensors, tensors, `step ${step} leaked tensors`);
  }
  const end = gap(model, heldOut);
  assert.ok(losses.at(-1)! < 0.25 * losses[0]!, `loss went ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  assert.equal(end.accuracy, 1, `held-out retrieval accuracy ${end.accuracy} (was ${start.accuracy})`);
  assert.ok(end.mismatched - end.matched > 0.8, `distance gap ${end.matched.toFixed(3)} vs ${end.mismatched.toFixed(3)} (was ${start.matched.toFixed(3)} vs ${start.mismatched.toFixed(3)})`);
  assert.ok(end.mismatched - end.matched > start.mismatched - start.matched + 0.5, 'the gap grew');
  model.dispose();
});
