import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captionRows, captionTensor, encodeCaptions, mismatchedIndices, unknownWords } from '../../../models/text/captionBatch.ts';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { Vocabulary } from '../../../text/Vocabulary.ts';
import { Random } from '../../../utils/random.ts';

function vocabularyOf(captions: string[][]): Vocabulary {
  const vocabulary = new Vocabulary();
  for (const tokens of captions) vocabulary.add(tokens);
  return vocabulary.finalize();
}

test('encodeCaptions: ids row-major, padded with <pad>, truncated, lengths; captionTensor', async () => {
  const vocabulary = vocabularyOf([['digit', 'moves', 'left'], ['digit', 'moves', 'right']]);
  // ids: <pad> 0, <unk> 1, digit 2, moves 3, left 4, right 5
  const encoded = encodeCaptions(vocabulary, [['digit', 'moves', 'left'], ['seven', 'moves', 'right', 'and', 'left', 'again'], []], 4);
  assert.deepEqual(Array.from(encoded.ids), [2, 3, 4, 0, 1, 3, 5, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(encoded.lengths), [3, 4, 0]);
  assert.equal(encoded.batch, 3);
  assert.equal(encoded.length, 4);
  assert.deepEqual(captionRows(encoded).map((row) => Array.from(row)), [[2, 3, 4, 0], [1, 3, 5, 1], [0, 0, 0, 0]]);
  await selectBackend('cpu');
  const tensor = captionTensor(encoded);
  assert.deepEqual(tensor.shape, [3, 4]);
  assert.equal(tensor.dtype, 'int32');
  assert.deepEqual(Array.from(tensor.dataSync()), Array.from(encoded.ids));
  assert.throws(() => encodeCaptions(vocabulary, [], 0), RangeError);
  assert.deepEqual(encodeCaptions(vocabulary, [], 3).ids.length, 0);
});

test('mismatchedIndices never points at an identical caption, and every different one can be drawn', () => {
  const random = new Random('batches');
  const pool = [['a', 'one'], ['a', 'two'], ['b', 'one'], ['b', 'two']];
  for (let trial = 0; trial < 200; trial++) {
    const batch = Array.from({ length: random.int(2, 12) }, () => random.pick(pool));
    const indices = mismatchedIndices(batch, trial);
    assert.equal(indices.length, batch.length);
    const distinct = new Set(batch.map((c) => c.join(' '))).size;
    indices.forEach((j, i) => {
      if (distinct === 1) return assert.equal(j, -1);
      assert.ok(j >= 0 && j < batch.length, `index ${j}`);
      assert.notEqual(batch[j]!.join(' '), batch[i]!.join(' '), `trial ${trial}: item ${i} paired with an identical caption`);
    });
  }
  // Over many seeds, item 0 is paired with each of the different captions (and never with 1, its twin).
  const captions = ['x', 'x', 'y', 'z', 'y'];
  const seen = new Set<number>();
  for (let seed = 0; seed < 100; seed++) seen.add(mismatchedIndices(captions, seed)[0]!);
  assert.deepEqual([...seen].sort(), [2, 3, 4]);
});

test('mismatchedIndices is deterministic in (captions, seed)', () => {
  const captions = ['red', 'blue', 'red', 'green', 'blue', 'green', 'red', 'yellow'];
  const first = mismatchedIndices(captions, 42);
  assert.deepEqual(Array.from(mismatchedIndices(captions, 42)), Array.from(first));
  assert.deepEqual(Array.from(mismatchedIndices(captions, '42')), Array.from(mismatchedIndices(captions, '42')));
  const differs = [1, 2, 3, 4, 5].some((seed) => Array.from(mismatchedIndices(captions, seed)).join() !== Array.from(first).join());
  assert.ok(differs, 'another seed gives another pairing');
});

test('mismatchedIndices: all equal -> all -1; single item -> -1; empty -> empty; id rows compare what the model sees', () => {
  assert.deepEqual(Array.from(mismatchedIndices(['same', 'same', 'same'], 1)), [-1, -1, -1]);
  assert.deepEqual(Array.from(mismatchedIndices([['only', 'one']], 1)), [-1]);
  assert.deepEqual(Array.from(mismatchedIndices([], 1)), []);
  // Two different captions made only of unknown words encode to the same ids: no mismatch for the model.
  const vocabulary = vocabularyOf([['digit', 'moves']]);
  const encoded = encodeCaptions(vocabulary, [['seven', 'jumps'], ['eight', 'runs'], ['digit', 'moves']], 3);
  const byTokens = mismatchedIndices([['seven', 'jumps'], ['eight', 'runs'], ['digit', 'moves']], 3);
  const byIds = mismatchedIndices(captionRows(encoded), 3);
  assert.ok(byTokens[0] === 1 || byTokens[0] === 2);
  assert.deepEqual(Array.from(byIds).slice(0, 2), [2, 2]);
  assert.ok(byIds[2] === 0 || byIds[2] === 1);
});

test('unknownWords: distinct out-of-vocabulary tokens in first-seen order', () => {
  const vocabulary = vocabularyOf([['digit', 'moves', 'left']]);
  assert.deepEqual(unknownWords(vocabulary, [['digit', 'jumps'], ['seven', 'jumps', 'left'], []]), ['jumps', 'seven']);
  assert.deepEqual(unknownWords(vocabulary, [['digit', 'moves']]), []);
});
