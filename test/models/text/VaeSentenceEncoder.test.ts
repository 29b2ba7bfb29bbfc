import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import '../../../models/io/fileSystemIO.ts';
import { captionTensor, encodeCaptions } from '../../../models/text/captionBatch.ts';
import { vaeLoss, vaeReconstructionLoss, VaeSentenceEncoder } from '../../../models/text/VaeSentenceEncoder.ts';
import { Vocabulary } from '../../../text/Vocabulary.ts';
import { sentenceMatrix } from '../../../text/wordVectors.ts';
import { Random } from '../../../utils/random.ts';
import { tempDir } from '../../helpers/tmp.ts';

const DIM = 4;
const CAPTIONS = [
  ['a', 'digit', 'moves', 'left'],
  ['a', 'digit', 'moves', 'right'],
  ['the', 'digit', 'goes', 'up'],
  ['the', 'digit', 'goes', 'down'],
  ['two', 'digits', 'move', 'left', 'and', 'right'],
  ['a', 'digit', 'bounces'],
];

let vocabulary: Vocabulary;
let vectors: Map<string, Float32Array>;
/** [vocabSize, DIM] row-major; rows 0 and 1 (<pad>, <unk>) deliberately non-zero: the encoder must zero them. */
let matrix: Float32Array;

before(async () => {
  await selectBackend('cpu');
  vocabulary = new Vocabulary();
  for (const tokens of CAPTIONS) vocabulary.add(tokens);
  vocabulary.finalize();
  const random = new Random(7);
  vectors = new Map(vocabulary.words.slice(2).filter((w) => w !== 'bounces').map((w) => [w, Float32Array.from({ length: DIM }, () => random.float() * 2 - 1)]));
  matrix = new Float32Array(vocabulary.size * DIM);
  vocabulary.words.forEach((word, id) => {
    const v = vectors.get(word);
    if (v !== undefined) matrix.set(v, id * DIM);
  });
  matrix.fill(9, 0, 2 * DIM);
});

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

function bytes(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function ids(captions: readonly (readonly string[])[], length = 25): tf.Tensor2D {
  return captionTensor(encodeCaptions(vocabulary, captions, length));
}

test('vaeReconstructionLoss: per-item sum of squared errors, mean over the batch (hand values)', () => {
  // Item 0: (1 - 0)² + 0 = 1; item 1: 1 + 1 = 2; mean 1.5.
  const loss = vaeReconstructionLoss(tf.tensor2d([[1, 2], [0, 0]]), tf.tensor2d([[0, 2], [1, 1]]));
  assert.deepEqual(loss.shape, []);
  assert.equal(loss.dataSync()[0], 1.5);
  // Rank 3, batch 1: 0.5² + 1.5² + 2² = 6.5 (summed over every non-batch axis).
  close(vaeReconstructionLoss(tf.tensor3d([[[1, 1], [0, 2]]]), tf.tensor3d([[[1.5, 1], [1.5, 0]]])).dataSync()[0]!, 6.5, 1e-6, 'rank 3');
  assert.throws(() => vaeReconstructionLoss(tf.zeros([2, 3]), tf.zeros([2, 4])), RangeError);
});

test('vaeLoss: reconstruction + klWeight · KL with KL = mean over items of ½ Σ (mu² + sigma² - 1 - 2 log sigma)', () => {
  // mu = [1, 0], sigma = [1, 2]: KL = ½ ((1 + 1 - 1 - 0) + (0 + 4 - 1 - 2 ln 2)) = 2 - ln 2.
  const mu = tf.tensor2d([[1, 0]]);
  const logSigma = tf.tensor2d([[0, Math.LN2]]);
  const perfect = vaeLoss(tf.tensor2d([[3, 4]]), tf.tensor2d([[3, 4]]), mu, logSigma, 1);
  close(perfect.kl.dataSync()[0]!, 2 - Math.LN2, 1e-6, 'KL');
  assert.equal(perfect.reconstruction.dataSync()[0], 0);
  close(perfect.loss.dataSync()[0]!, 2 - Math.LN2, 1e-6, 'loss = KL when the reconstruction is perfect');
  // Reconstruction 1 (one value off by 1), klWeight 0.5.
  const weighted = vaeLoss(tf.tensor2d([[3, 4]]), tf.tensor2d([[2, 4]]), mu, logSigma, 0.5);
  close(weighted.loss.dataSync()[0]!, 1 + 0.5 * (2 - Math.LN2), 1e-6, 'weighted loss');
  // Batch of two: the second item is N(0, I) itself (KL 0), so the mean KL halves.
  const batch = vaeLoss(tf.zeros([2, 2]), tf.zeros([2, 2]), tf.tensor2d([[1, 0], [0, 0]]), tf.tensor2d([[0, Math.LN2], [0, 0]]), 1);
  close(batch.kl.dataSync()[0]!, (2 - Math.LN2) / 2, 1e-6, 'batch KL');
  assert.equal(vaeLoss(tf.zeros([3, 2]), tf.zeros([3, 2]), tf.zeros([3, 5]), tf.zeros([3, 5]), 1).loss.dataSync()[0], 0);
  assert.throws(() => vaeLoss(tf.zeros([1, 2]), tf.zeros([1, 2]), mu, logSigma, -1), RangeError);
});

test('features: the 25 x dim word-vector matrix, zero-padded, <pad> and <unk> rows zero (= sentenceMatrix)', () => {
  const vae = new VaeSentenceEncoder({ wordVectors: { dim: DIM, matrix }, hiddenDims: [8], latentDim: 3, seed: 1 });
  const captions = [['a', 'zebra', 'moves', 'left'], ['bounces'], [], Array.from({ length: 30 }, () => 'up')];
  const got = vae.features(ids(captions));
  assert.deepEqual(got.shape, [4, 25 * DIM]);
  const rows = got.arraySync();
  captions.forEach((tokens, b) => {
    // sentenceMatrix gives zeros for words without a vector ("zebra" is <unk>, "bounces" has none).
    assert.deepEqual(rows[b], Array.from(sentenceMatrix(tokens, vectors, DIM, 25)), `caption ${b}`);
  });
  assert.ok(rows[0]!.slice(0, DIM).some((v) => v !== 0) && rows[0]!.slice(DIM, 2 * DIM).every((v) => v === 0), 'a word, then <unk> -> zeros');
  // A [vocabSize, dim] tensor works as the table too.
  const fromTensor = new VaeSentenceEncoder({ wordVectors: tf.tensor2d(matrix, [vocabulary.size, DIM]), hiddenDims: [8], latentDim: 3, seed: 1 });
  assert.ok(bytes(fromTensor.features(ids(captions))).equals(bytes(got)));
  // Bad input: wrong length, ids out of range.
  assert.throws(() => vae.features(ids(captions, 10)), RangeError);
  assert.throws(() => vae.encode(tf.tensor2d([Array(25).fill(vocabulary.size)], [1, 25], 'int32')), /ids must lie in/);
  assert.throws(() => new VaeSentenceEncoder({ wordVectors: { dim: DIM, matrix }, latentDim: 0 }), /latentDim/);
  assert.throws(() => new VaeSentenceEncoder({ wordVectors: { dim: 3, matrix: new Float32Array(10) } }), RangeError);
  vae.dispose();
  fromTensor.dispose();
});

test('encode: mu [B, latentDim], deterministic, seeded; eps seeded per step', () => {
  const x = ids(CAPTIONS);
  const a = new VaeSentenceEncoder({ wordVectors: { dim: DIM, matrix }, hiddenDims: [16], latentDim: 5, seed: 2 });
  const b = new VaeSentenceEncoder({ wordVectors: { dim: DIM, matrix }, hiddenDims: [16], latentDim: 5, seed: 2 });
  const c = new VaeSentenceEncoder({ wordVectors: { dim: DIM, matrix }, hiddenDims: [16], latentDim: 5, seed: 3 });
  const mu = a.encode(x);
  assert.deepEqual(mu.shape, [CAPTIONS.length, 5]);
  assert.ok(bytes(mu).equals(bytes(a.encode(x))), 'no sampling in encode');
  assert.ok(bytes(mu).equals(bytes((a.encoder.predict(x) as tf.Tensor[])[0]!)), 'encode = the encoder mu');
  assert.ok(bytes(mu).equals(bytes(b.encode(x))), 'same seed, same weights');
  assert.ok(!bytes(mu).equals(bytes(c.encode(x))), 'another seed, other weights');
  const l1 = a.losses(x, 11).loss.dataSync()[0]!;
  assert.equal(a.losses(x, 11).loss.dataSync()[0], l1);
  assert.notEqual(a.losses(x, 12).loss.dataSync()[0], l1);
  for (const v of [a, b, c]) v.dispose();
});

test('50 Adam steps on a tiny vocabulary reduce the loss; no leaked tensors; reproducible', () => {
  const x = ids(CAPTIONS, 8);
  const make = () => new VaeSentenceEncoder({ wordVectors: { dim: DIM, matrix }, length: 8, hiddenDims: [32], latentDim: 6, learningRate: 0.01, klWeight: 0.1, seed: 4 });
  const vae = make();
  const history: { loss: number; reconstruction: number; kl: number }[] = [];
  let tensors = 0;
  for (let step = 0; step < 50; step++) {
    history.push(vae.trainStep(x));
    if (step === 0) tensors = tf.memory().numTensors; // Adam's slots exist from here on
    else assert.equal(tf.memory().numTensors, tensors, `step ${step} leaked tensors`);
  }
  assert.equal(vae.stepCount, 50);
  const mean = (xs: number[]) => xs.reduce((p, q) => p + q, 0) / xs.length;
  const first = mean(history.slice(0, 5).map((h) => h.loss));
  const last = mean(history.slice(-5).map((h) => h.loss));
  assert.ok(last < 0.5 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  const recFirst = history[0]!.reconstruction;
  assert.ok(history.at(-1)!.reconstruction < 0.5 * recFirst, `reconstruction ${recFirst} -> ${history.at(-1)!.reconstruction}`);
  history.forEach((h) => close(h.loss, h.reconstruction + 0.1 * h.kl, 1e-4 * Math.max(1, h.loss), 'loss = rec + 0.1 KL'));
  // The same seed replays the same steps (eps derived from (seed, step)).
  const again = make();
  for (let step = 0; step < 3; step++) assert.equal(again.trainStep(x).loss, history[step]!.loss);
  vae.dispose();
  again.dispose();
});

test('sentenceEncoder saves to file:// and loads: bit-identical mu, metadata kind "vae"', async () => {
  const dir = join(await tempDir(), 'vae');
  const vae = new VaeSentenceEncoder({ wordVectors: { dim: DIM, matrix }, hiddenDims: [8], latentDim: 4, seed: 5 });
  const x = ids(CAPTIONS);
  vae.trainStep(x);
  await vae.sentenceEncoder.save(`file://${dir}`);
  const back = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
  assert.ok(bytes(back.predict(x) as tf.Tensor).equals(bytes(vae.encode(x))));
  const meta = back.getUserDefinedMetadata() as { sentenceEncoder: { kind: string; outputDim: number; length: number } };
  assert.deepEqual([meta.sentenceEncoder.kind, meta.sentenceEncoder.outputDim, meta.sentenceEncoder.length], ['vae', 4, 25]);
  back.dispose();
  vae.dispose();
});
