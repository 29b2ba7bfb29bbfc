import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tokenize } from '../../datasets/clip.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';
import { PAD_ID, UNK_ID, Vocabulary, loadVocabulary, saveVocabulary } from '../../text/Vocabulary.ts';
import { tempDir } from '../helpers/tmp.ts';

const CAPTIONS = [
  'a man is slicing a tomato',
  'a woman is cutting an onion',
  'the man rides a horse',
  'a man is playing a guitar',
  'digit 3 is moving left and right',
];

function build(captions: readonly string[], options?: { minCount?: number; maxSize?: number }): Vocabulary {
  const vocabulary = new Vocabulary();
  for (const caption of captions) vocabulary.add(tokenize(caption));
  return vocabulary.finalize(options);
}

test('Vocabulary: pad 0, unk 1, then by count desc and alphabetically', () => {
  const v = build(CAPTIONS);
  assert.equal(v.id('<pad>'), PAD_ID);
  assert.equal(v.id('<unk>'), UNK_ID);
  // a: 6, is: 4, man: 3, then the count-1 words in code-unit order ("3" < "a..." ).
  assert.deepEqual(v.words.slice(0, 9), ['<pad>', '<unk>', 'a', 'is', 'man', '3', 'an', 'and', 'cutting']);
  assert.equal(v.count('a'), 6);
  assert.equal(v.count('is'), 4);
  assert.equal(v.word(2), 'a');
  assert.equal(v.id('zebra'), UNK_ID);
  assert.equal(v.size, 2 + new Set(CAPTIONS.flatMap(tokenize)).size);
  assert.throws(() => v.word(v.size), RangeError);
  assert.throws(() => v.add(['late']), /after finalize/);
});

test('Vocabulary is deterministic: caption order does not change ids', () => {
  const forward = build(CAPTIONS);
  const backward = build([...CAPTIONS].reverse());
  assert.deepEqual(backward.words, forward.words);
});

test('Vocabulary minCount and maxSize', () => {
  const v = build(CAPTIONS, { minCount: 2 });
  assert.deepEqual(v.words, ['<pad>', '<unk>', 'a', 'is', 'man']);
  assert.equal(v.id('tomato'), UNK_ID);
  assert.equal(v.count('tomato'), 0);
  const small = build(CAPTIONS, { maxSize: 4 });
  assert.deepEqual(small.words, ['<pad>', '<unk>', 'a', 'is']);
  assert.throws(() => new Vocabulary().finalize({ maxSize: 1 }), RangeError);
});

test('Vocabulary encode: ids, truncation, padding, unknownWords', () => {
  const v = build(CAPTIONS, { minCount: 2 });
  const tokens = ['a', 'man', 'is', 'dancing'];
  assert.deepEqual(v.encode(tokens), [2, 4, 3, UNK_ID]);
  assert.deepEqual(v.encode(tokens, { length: 6 }), [2, 4, 3, UNK_ID, PAD_ID, PAD_ID]);
  assert.deepEqual(v.encode(tokens, { length: 2 }), [2, 4]);
  assert.deepEqual(v.encode(tokens, { length: 6, pad: false }), [2, 4, 3, UNK_ID]);
  assert.deepEqual(v.unknownWords(['a', 'dancing', 'cat', 'dancing']), ['dancing', 'cat']);
});

test('Vocabulary JSON round trip and atomic save/load', async () => {
  const v = build(CAPTIONS);
  const json = v.toJSON();
  assert.equal(json.pad, '<pad>');
  assert.equal(json.unk, '<unk>');
  assert.equal(json.counts.a, 6);
  assert.equal(json.counts['<pad>'], undefined);
  const copy = Vocabulary.fromJSON(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(copy.words, v.words);
  assert.deepEqual(copy.toJSON(), json);
  assert.deepEqual(copy.encode(['a', 'horse', 'flies']), v.encode(['a', 'horse', 'flies']));

  const dir = await tempDir();
  const path = join(dir, 'vocab.json');
  await saveVocabulary(path, v);
  assert.deepEqual(await readdir(dir), ['vocab.json'], 'no temporary files left');
  const loaded = await loadVocabulary(path);
  assert.deepEqual(loaded.toJSON(), json);
});

test('loadVocabulary: bad files are DatasetErrors naming the file', async () => {
  const dir = await tempDir();
  const cases: [name: string, content: string, message: RegExp][] = [
    ['truncated.json', '{"pad": "<pad>", "unk"', /not valid JSON/],
    ['array.json', '[]', /expected an object/],
    ['nopad.json', '{"pad": "<pad>", "unk": "<unk>", "words": ["a", "b"], "counts": {}}', /must start with/],
    ['dupes.json', '{"pad": "<pad>", "unk": "<unk>", "words": ["<pad>", "<unk>", "a", "a"], "counts": {}}', /duplicates/],
    ['badcount.json', '{"pad": "<pad>", "unk": "<unk>", "words": ["<pad>", "<unk>", "a"], "counts": {"a": -1}}', /count of "a"/],
  ];
  for (const [name, content, message] of cases) {
    const path = join(dir, name);
    await writeFile(path, content);
    await assert.rejects(loadVocabulary(path), (error: unknown) => {
      assert.ok(error instanceof DatasetError, name);
      assert.equal(error.path, path);
      assert.match(error.message, message);
      return true;
    });
  }
  await assert.rejects(loadVocabulary(join(dir, 'missing.json')), DatasetError);
});
