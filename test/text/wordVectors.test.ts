import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';
import { Vocabulary } from '../../text/Vocabulary.ts';
import { loadWordVectors, readWordVectors, saveWordVectors, sentenceMatrix, sentenceMean } from '../../text/wordVectors.ts';
import { tempDir } from '../helpers/tmp.ts';

const DIM = 4;

/** A deterministic vector per word, so expected values can be recomputed. */
function vectorOf(word: string, dim = DIM): number[] {
  return Array.from({ length: dim }, (_, k) => ((word.charCodeAt(0) * (k + 1)) % 97) / 8 - 6);
}

function row(word: string, dim = DIM): string {
  return `${word} ${vectorOf(word, dim).join(' ')}`;
}

function vocabulary(words: string[]): Vocabulary {
  const v = new Vocabulary();
  // Counts descending in the given order, so ids follow `words`.
  words.forEach((word, i) => v.add(new Array<string>(words.length - i).fill(word)));
  return v.finalize();
}

const VOCAB = vocabulary(['a', 'man', 'is', 'slicing', 'tomato', 'someone', 'zyzzyva']);

async function file(name: string, lines: string[] | string | Uint8Array): Promise<string> {
  const dir = await tempDir();
  const path = join(dir, name);
  await writeFile(path, Array.isArray(lines) ? `${lines.join('\n')}\n` : lines);
  return path;
}

test('readWordVectors: fastText .vec with header, trailing spaces, exact then lower-case match', async () => {
  // fastText rows end with a space; "Tomato" only in capitals, "man" both ways (exact must win).
  const lines = ['9 4', ...['the', 'Man', 'a', 'man', 'is', ',', 'Tomato', 'SOMEONE', 'slicing'].map((w) => `${row(w)} `)];
  const path = await file('wiki.vec', lines);
  const result = await readWordVectors(path, VOCAB);
  assert.equal(result.dim, DIM);
  assert.deepEqual(result.header, { rows: 9, dim: 4 });
  assert.equal(result.rows, 9);
  assert.deepEqual([...result.vectors.keys()].sort(), ['a', 'is', 'man', 'slicing', 'someone', 'tomato']);
  assert.deepEqual([...result.vectors.get('man')!], vectorOf('man'), 'exact row wins over "Man" seen first');
  assert.deepEqual([...result.vectors.get('tomato')!], vectorOf('Tomato'));
  assert.deepEqual(result.coverage, { words: 7, found: 6, ratio: 6 / 7, missing: ['zyzzyva'] });
});

test('readWordVectors: GloVe .txt without header; dimension from the first row; word list input', async () => {
  const path = await file('glove.6B.4d.txt', ['the', 'a', 'man', 'dog'].map((w) => row(w)));
  const result = await readWordVectors(path, ['man', 'dog', 'cat', 'tomato', '<pad>']);
  assert.equal(result.header, null);
  assert.equal(result.dim, 4);
  assert.deepEqual(result.coverage, { words: 4, found: 2, ratio: 0.5, missing: ['cat', 'tomato'] });
  assert.ok(result.vectors.get('dog') instanceof Float32Array);
  const strict = await readWordVectors(path, ['Man'], { caseInsensitive: false });
  assert.equal(strict.coverage.found, 0);
  await assert.rejects(readWordVectors(path, ['man'], { dim: 300 }), /dimension 4, expected 300/);
});

test('readWordVectors: coverage lists at most maxMissing words, in vocabulary order', async () => {
  const path = await file('v.txt', [row('a')]);
  const words = Array.from({ length: 80 }, (_, i) => `w${String(i).padStart(2, '0')}`);
  const result = await readWordVectors(path, ['a', ...words]);
  assert.equal(result.coverage.missing.length, 50);
  assert.deepEqual(result.coverage.missing, words.slice(0, 50));
  assert.equal(result.coverage.ratio, 1 / 81);
});

test('readWordVectors: a kept row of the wrong length is an error naming file:line', async () => {
  const path = await file('bad.vec', ['4 4', row('the'), row('a'), 'man 0.1 0.2 0.3', row('is')]);
  await assert.rejects(readWordVectors(path, VOCAB), (error: unknown) => {
    assert.ok(error instanceof DatasetError);
    assert.equal(error.line, 4);
    assert.ok(error.message.startsWith(`${path}:4: `), error.message);
    assert.match(error.message, /"man" has 3 numbers, expected 4 \(from the header\)/);
    return true;
  });
  // The same row for a word nobody asked for is not parsed, hence no error.
  const ok = await readWordVectors(path, ['a', 'is']);
  assert.equal(ok.coverage.found, 2);

  const nan = await file('nan.txt', [row('a'), 'man 0.1 oops 0.3 0.4']);
  await assert.rejects(readWordVectors(nan, VOCAB), /nan\.txt:2: row for "man": "oops" is not a finite number/);
  await assert.rejects(readWordVectors(join(await tempDir(), 'nope.vec'), VOCAB), DatasetError);
  await assert.rejects(readWordVectors(await file('empty.vec', ''), VOCAB), /no word vectors/);
});

test('readWordVectors: skips GloVe-840B rows whose word has spaces; reads .gz', async () => {
  const path = await file('glove.840B.txt', [row('the'), `. . . ${vectorOf('.').join(' ')}`, row('man')]);
  const result = await readWordVectors(path, ['.', 'man']);
  assert.deepEqual(result.coverage.missing, ['.']);
  const gz = await file('cc.vec.gz', gzipSync(`2 4\n${row('man')}\n${row('a')}\n`));
  assert.deepEqual((await readWordVectors(gz, ['a', 'man'])).coverage.found, 2);
  const corrupt = await file('corrupt.vec.gz', gzipSync(`2 4\n${row('man')}\n`).subarray(0, 20));
  await assert.rejects(readWordVectors(corrupt, ['man']), (error: unknown) => error instanceof DatasetError && /cannot read word vectors: unexpected end of file/.test(error.message));
});

test('saveWordVectors / loadWordVectors: binary matrix aligned with the word list, zero rows for missing', async () => {
  const dir = await tempDir();
  const path = join(dir, 'embeddings.f32');
  const vectors = new Map([
    ['a', Float32Array.from(vectorOf('a'))],
    ['man', Float32Array.from(vectorOf('man'))],
  ]);
  await saveWordVectors(path, VOCAB.words, vectors);
  assert.deepEqual((await readdir(dir)).sort(), ['embeddings.f32', 'embeddings.f32.json']);
  const loaded = await loadWordVectors(path);
  assert.equal(loaded.dim, DIM);
  assert.deepEqual(loaded.words, VOCAB.words);
  assert.equal(loaded.matrix.length, VOCAB.size * DIM);
  assert.deepEqual([...loaded.matrix.subarray(VOCAB.id('man') * DIM, (VOCAB.id('man') + 1) * DIM)], vectorOf('man'));
  assert.deepEqual([...loaded.vectors.get('<pad>')!], [0, 0, 0, 0]);
  assert.deepEqual([...loaded.vectors.get('tomato')!], [0, 0, 0, 0]);
  await writeFile(path, new Uint8Array(8));
  await assert.rejects(loadWordVectors(path), /header says/);
});

test('sentenceMatrix: maxWords x dim, row i = token i, zero rows for unknown words and padding', () => {
  const vectors = new Map([
    ['a', Float32Array.from([1, 2, 3])],
    ['man', Float32Array.from([4, 5, 6])],
  ]);
  const m = sentenceMatrix(['a', 'tall', 'MAN'], vectors, 3);
  assert.equal(m.length, 25 * 3);
  assert.deepEqual([...m.subarray(0, 9)], [1, 2, 3, 0, 0, 0, 4, 5, 6]);
  assert.ok(m.subarray(9).every((x) => x === 0));
  const truncated = sentenceMatrix(['a', 'man', 'a'], vectors, 3, 2);
  assert.deepEqual([...truncated], [1, 2, 3, 4, 5, 6]);
  assert.throws(() => sentenceMatrix(['a'], vectors, 4), RangeError);
});

test('sentenceMean: average of the known words, zeros if none', () => {
  const vectors = new Map([
    ['a', Float32Array.from([1, 2, 3])],
    ['man', Float32Array.from([4, 5, 7])],
  ]);
  assert.deepEqual([...sentenceMean(['a', 'man', 'unknown', 'a'], vectors, 3)], [2, 3, 13 / 3].map(Math.fround));
  assert.deepEqual([...sentenceMean(['nothing', 'known'], vectors, 3)], [0, 0, 0]);
  assert.deepEqual([...sentenceMean([], vectors, 3)], [0, 0, 0]);
});
