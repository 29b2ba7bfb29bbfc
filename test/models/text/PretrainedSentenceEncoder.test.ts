import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import '../../../models/io/fileSystemIO.ts';
import { captionTensor, encodeCaptions } from '../../../models/text/captionBatch.ts';
import { nonZeroRows, pretrainedSentenceEncoder, pretrainedSentenceFeatures } from '../../../models/text/PretrainedSentenceEncoder.ts';
import { Vocabulary } from '../../../text/Vocabulary.ts';
import { loadWordVectors, saveWordVectors, sentenceMatrix, sentenceMean } from '../../../text/wordVectors.ts';
import { Random } from '../../../utils/random.ts';
import { tempDir } from '../../helpers/tmp.ts';

const DIM = 5;
const TRAIN = [
  ['a', 'digit', 'moves', 'left'],
  ['the', 'digit', 'one', 'moves', 'right', 'and', 'bounces'],
  ['two', 'digits', 'move', 'up'],
];
// Captions to encode: unknown words ("seven", "sideways"), an empty one, and one longer than 25 tokens.
const CAPTIONS = [
  ['a', 'digit', 'moves', 'left'],
  ['seven', 'moves', 'sideways'],
  [],
  Array.from({ length: 30 }, (_, i) => TRAIN[i % 3]![i % 4]!),
  ['bounces'], // in the vocabulary but without a vector
];

let vocabulary: Vocabulary;
/** Only the words that have a vector (what readWordVectors returns). */
let found: Map<string, Float32Array>;
let loaded: Awaited<ReturnType<typeof loadWordVectors>>;

before(async () => {
  await selectBackend('cpu');
  vocabulary = new Vocabulary();
  for (const tokens of TRAIN) vocabulary.add(tokens);
  vocabulary.finalize();
  const random = new Random(5);
  found = new Map(vocabulary.words.slice(2).filter((w) => w !== 'bounces').map((w) => [w, Float32Array.from({ length: DIM }, () => random.float() * 2 - 1)]));
  const path = join(await tempDir(), 'word-vectors.f32');
  await saveWordVectors(path, vocabulary.words, found, DIM);
  loaded = await loadWordVectors(path);
});

function features(encoder: tf.LayersModel, length = 25): Float32Array {
  const x = captionTensor(encodeCaptions(vocabulary, CAPTIONS, length));
  return (pretrainedSentenceFeatures(encoder).predict(x) as tf.Tensor).dataSync() as Float32Array;
}

function bytes(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

test("concat mode: the projection's inputs are sentenceMatrix of the tokens (25 x dim)", () => {
  const encoder = pretrainedSentenceEncoder({ wordVectors: loaded, vocabulary, mode: 'concat', outputDim: 7 });
  assert.deepEqual(encoder.inputs[0]!.shape, [null, 25]);
  assert.deepEqual(encoder.outputs[0]!.shape, [null, 7]);
  const got = features(encoder);
  assert.equal(got.length, CAPTIONS.length * 25 * DIM);
  CAPTIONS.forEach((tokens, b) => {
    const expected = sentenceMatrix(tokens, found, DIM);
    assert.deepEqual(Array.from(got.subarray(b * 25 * DIM, (b + 1) * 25 * DIM)), Array.from(expected), `caption ${b}`);
    // loadWordVectors' map (zeros for words without a vector) gives the same matrix.
    assert.deepEqual(Array.from(sentenceMatrix(tokens, loaded.vectors, DIM)), Array.from(expected));
  });
  const out = encoder.predict(captionTensor(encodeCaptions(vocabulary, CAPTIONS, 25))) as tf.Tensor;
  assert.deepEqual(out.shape, [CAPTIONS.length, 7]);
});

test('mean mode: the projection input is sentenceMean (known words only)', () => {
  const encoder = pretrainedSentenceEncoder({ wordVectors: loaded, vocabulary, mode: 'mean', outputDim: 3 });
  const got = features(encoder);
  CAPTIONS.forEach((tokens, b) => {
    const expected = sentenceMean(tokens.slice(0, 25), found, DIM);
    const row = got.subarray(b * DIM, (b + 1) * DIM);
    expected.forEach((v, k) => assert.ok(Math.abs(row[k]! - v) <= 1e-6, `caption ${b}[${k}]: ${row[k]} vs ${v}`));
  });
  // The empty caption and the one without any vector give zeros.
  assert.deepEqual(Array.from(got.subarray(2 * DIM, 3 * DIM)), new Array(DIM).fill(0));
  assert.deepEqual(Array.from(got.subarray(4 * DIM, 5 * DIM)), new Array(DIM).fill(0));
  // known: every word of the vocabulary counts, as sentenceMean does over loadWordVectors' map.
  const everyWord = pretrainedSentenceEncoder({ wordVectors: loaded, mode: 'mean', outputDim: 3, known: vocabulary.words.map((_, id) => id >= 2) });
  const all = features(everyWord);
  const expected = sentenceMean(['a', 'digit', 'bounces'], loaded.vectors, DIM);
  const x = captionTensor(encodeCaptions(vocabulary, [['a', 'digit', 'bounces']], 25));
  const one = (pretrainedSentenceFeatures(everyWord).predict(x) as tf.Tensor).dataSync();
  expected.forEach((v, k) => assert.ok(Math.abs(one[k]! - v) <= 1e-6));
  assert.equal(all.length, CAPTIONS.length * DIM);
});

test('the word vectors are frozen: only the projection trains', () => {
  for (const mode of ['concat', 'mean'] as const) {
    const encoder = pretrainedSentenceEncoder({ wordVectors: loaded, vocabulary, mode, outputDim: 4, length: 12 });
    assert.deepEqual(encoder.trainableWeights.map((w) => w.originalName), ['pretrained_sentence_encoder_projection/kernel', 'pretrained_sentence_encoder_projection/bias']);
    const x = captionTensor(encodeCaptions(vocabulary, CAPTIONS, 12));
    const before = encoder.getWeights().map((w) => w.clone());
    const optimizer = tf.train.adam(0.1);
    for (let i = 0; i < 2; i++) optimizer.minimize(() => tf.sum(tf.square(tf.sub(encoder.apply(x, { training: true }) as tf.Tensor, 1))) as tf.Scalar);
    encoder.getWeights().forEach((w, i) => {
      const frozen = !encoder.weights[i]!.trainable;
      assert.equal(bytes(w).equals(bytes(before[i]!)), frozen, `${encoder.weights[i]!.originalName} (${mode})`);
    });
  }
});

test('save to file:// and load: bit-identical for both modes', async () => {
  const root = await tempDir();
  for (const mode of ['concat', 'mean'] as const) {
    const encoder = pretrainedSentenceEncoder({ wordVectors: loaded, vocabulary, mode, outputDim: 6, seed: 4, activation: 'tanh' });
    await encoder.save(`file://${join(root, mode)}`);
    const back = await tf.loadLayersModel(`file://${join(root, mode, 'model.json')}`);
    const x = captionTensor(encodeCaptions(vocabulary, CAPTIONS, 25));
    assert.ok(bytes(encoder.predict(x) as tf.Tensor).equals(bytes(back.predict(x) as tf.Tensor)), mode);
    encoder.getWeights().forEach((w, i) => assert.ok(bytes(w).equals(bytes(back.getWeights()[i]!))));
    assert.deepEqual(back.trainableWeights.length, 2);
    assert.ok(bytes(pretrainedSentenceFeatures(back).predict(x) as tf.Tensor).equals(bytes(pretrainedSentenceFeatures(encoder).predict(x) as tf.Tensor)));
  }
});

test('checks: vocabulary order, matrix size, mode, length; the <pad> row is zeroed', () => {
  const shuffled = { ...loaded, words: [...loaded.words].reverse() };
  assert.throws(() => pretrainedSentenceEncoder({ wordVectors: shuffled, vocabulary, mode: 'mean', outputDim: 2 }), /do not follow the vocabulary/);
  assert.throws(() => pretrainedSentenceEncoder({ wordVectors: { ...loaded, matrix: loaded.matrix.subarray(1) }, mode: 'mean', outputDim: 2 }), RangeError);
  assert.throws(() => pretrainedSentenceEncoder({ wordVectors: loaded, mode: 'concat', outputDim: 2, length: null }), RangeError);
  assert.throws(() => pretrainedSentenceEncoder({ wordVectors: loaded, mode: 'sum' as 'mean', outputDim: 2 }), RangeError);
  const dirty = loaded.matrix.slice();
  dirty.fill(9, 0, DIM); // a non-zero <pad> row
  const encoder = pretrainedSentenceEncoder({ wordVectors: { ...loaded, matrix: dirty }, mode: 'concat', outputDim: 2, length: 4 });
  const got = (pretrainedSentenceFeatures(encoder).predict(tf.tensor2d([[2, 0, 0, 0]], [1, 4], 'int32')) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(got.subarray(DIM)), new Array(3 * DIM).fill(0));
  assert.deepEqual(Array.from(nonZeroRows(Float32Array.from([0, 0, 1, 0, 0, 0]), 2)), [0, 1, 0]);
});
