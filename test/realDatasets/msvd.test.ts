import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { decodePng } from '../../media/png.ts';
import { loadWordVectors } from '../../text/wordVectors.ts';
import { tempDir } from '../helpers/tmp.ts';
import { clipsById, copy, junkBytes, lavfiVideo, put, readManifest, readRejects, rejectKeys, rejectOf, runPrepare, type PreparedRun } from './helpers.ts';

// MSVD end to end: the shipped dags/msvd-prepare.yaml over a tiny local copy with the real format's
// quirks (see /work/shared/datasets.md), checking the dataset, the rejects and the annotations.

const CSV = 'MSR Video Description Corpus.csv';
const HEADER = 'VideoID,Start,End,WorkerID,Source,AnnotationTime,Language,Description';

const TOMATO = '-4wsuPCjDBc_5_15'; // id starts with '-'
const WALK = 'abcWALK01_2_9';
const TALK = 'q_Talk-22_0_4'; // underscores and dashes inside the id
const ONEWORD = 'oneWord77_1_3'; // its only caption has one word: dropped by the filter
const CORRUPT = 'brokenClip_3_7'; // random bytes
const SHORT = 'tinyClip_0_1'; // 0.2 s: too few frames at 25 fps
const MISSING = 'noSuchClip_10_20'; // captions, no clip file

// Line numbers matter: rejects name `<csv>:<line>`.
const ROWS: (string | Buffer)[] = [
  HEADER, // 1
  '-4wsuPCjDBc,5,15,w1,clean,10,English,A man is slicing a tomato.', // 2
  '-4wsuPCjDBc,5,15,w2,clean,12,English,"Someone cuts a tomato, slowly, with a knife."', // 3 quoted commas
  '-4wsuPCjDBc,5,15,w3,clean,9,French,un homme coupe une tomate', // 4 other language: dropped
  '-4wsuPCjDBc,5,15,w4,clean,9,German,Ein Mann schneidet eine Tomate in Stücke', // 5 non-ASCII, other language
  'abcWALK01,2,9,w5,clean,8,English,"A man, a woman, and a dog are walking."', // 6 quoted commas
  'abcWALK01,2,9,w6,clean,8,English,  Two   people walk  in the park  ', // 7 white space
  'q_Talk-22,0,4,w7,clean,8,English,"The man says ""hello"" to the camera."', // 8 "" escapes
  'q_Talk-22,0,4,w8,clean,8,English,A MAN IS TALKING!!!', // 9 case and punctuation runs
  'noSuchClip,10,20,w9,clean,5,English,A caption whose clip is missing.', // 10
  'abcWALK01,two,9,w10,clean,5,English,bad start', // 11 bad Start
  Buffer.concat([Buffer.from('abcWALK01,2,9,w11,clean,5,English,caf'), Buffer.from([0xe9]), Buffer.from(' au lait')]), // 12 Latin-1, not UTF-8
  'oneWord77,1,3,w12,clean,5,English,Dancing.', // 13
  'brokenClip,3,7,w13,clean,5,English,A cat is jumping on a bed.', // 14
  'tinyClip,0,1,w14,clean,5,English,A girl is riding a bike.', // 15
  'noSuchClip,10,20,w15,clean,5,English,Another caption of the missing clip.', // 16
  'q_Talk-22,0,4,w16,clean,8,Spanish,"un hombre habla, ""hola""."', // 17 quoted, other language
];
const NOT_UTF8_LINE = 12;
const BAD_START_LINE = 11;

const VEC = ['7 3', 'tomato 0.1 0.2 0.3', 'Man 1 0 0', 'walking 0 1 0', 'dog 0 0 1', 'zebra 1 1 1', 'giraffe 2 2 2', 'hello 0.5 0.5 0.5', ''].join('\n');

// At the top level: a tempDir() made inside before() would be removed when the hook ends.
const dir = await tempDir('t2v-e2e-msvd-');
let run: PreparedRun;
let clips: string;

before(async () => {
  const root = join(dir, 'msvd');
  clips = join(root, 'YouTubeClips');
  const lines = ROWS.map((row) => (typeof row === 'string' ? Buffer.from(row) : row));
  await put(join(root, CSV), Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')])));
  await Promise.all([
    lavfiVideo(join(clips, `${TOMATO}.avi`), { size: '64x48', rate: 25, seconds: 1 }),
    lavfiVideo(join(clips, `${WALK}.avi`), { size: '160x120', rate: 10, seconds: 1.5 }),
    lavfiVideo(join(clips, `${TALK}.avi`), { size: '64x48', rate: 20, seconds: 1 }),
    lavfiVideo(join(clips, `${SHORT}.avi`), { size: '64x48', rate: 25, seconds: 0.2 }),
    put(join(clips, `${CORRUPT}.avi`), junkBytes(8192)),
    put(join(root, 'words.vec'), VEC),
  ]);
  await copy(join(clips, `${TALK}.avi`), join(clips, `${ONEWORD}.avi`));
  run = await runPrepare(dir, { file: "msvd-prepare.yaml" }, [
    'root=msvd',
    'out=data/msvd',
    'size=32',
    'frames=8',
    'fps=25',
    'split=all',
    'wordVectors=msvd/words.vec',
  ]);
});

test('msvd-prepare: the run succeeds and the dataset holds the usable clips', async () => {
  const { result } = run;
  assert.equal(result.status, 'succeeded', String(result.error));
  const dataset = await Dataset.open(join(dir, 'data/msvd'));
  assert.equal(dataset.size, 3);
  assert.deepEqual(dataset.meta.shape, [8, 32, 32, 3]);
  assert.deepEqual(dataset.meta.sources, { msvd: 3 });
  assert.deepEqual(dataset.meta.splits, { train: 3 }, 'the first 1200 clips in split order are train');
  assert.ok((await dataset.verify()).every((r) => r.ok));
  const byId = await clipsById(dataset);
  assert.deepEqual([...byId.keys()].sort(), [TOMATO, WALK, TALK].sort());
  for (const clip of byId.values()) {
    assert.deepEqual(clip.shape, [8, 32, 32, 3]);
    assert.equal(clip.frames.length, 8 * 32 * 32 * 3);
    assert.ok(clip.frames.some((v) => v > 0), `${clip.id} is not blank`);
    assert.equal(clip.source, 'msvd');
    assert.equal(clip.split, 'train');
    assert.equal(clip.captionSource, 'human');
  }
  assert.deepEqual(byId.get(TOMATO)!.attributes, { videoId: '-4wsuPCjDBc', start: 5, end: 15 });
  assert.deepEqual(byId.get(TALK)!.attributes, { videoId: 'q_Talk-22', start: 0, end: 4 });
  assert.equal(result.results.get('shards')?.clips, 3);
});

test('msvd-prepare: rejects.jsonl lists exactly the unusable rows and clips, with stage and reason', async () => {
  const { result } = run;
  assert.equal(result.status, 'succeeded', String(result.error));
  const rejects = await readRejects(result.runDir!);
  assert.deepEqual(rejectKeys(rejects), [
    `clips ${CSV}:${BAD_START_LINE}`,
    `clips ${CSV}:${NOT_UTF8_LINE}`,
    `clips ${MISSING}`,
    `filter ${ONEWORD}`,
    `frames ${CORRUPT}`,
    `frames ${SHORT}`,
  ].sort());
  assert.equal(rejectOf(rejects, `${CSV}:${BAD_START_LINE}`).reason, "bad Start 'two' (expected seconds, e.g. 5)");
  assert.equal(rejectOf(rejects, `${CSV}:${NOT_UTF8_LINE}`).reason, 'not valid UTF-8');
  assert.equal(rejectOf(rejects, MISSING).reason, `no clip file ${join(clips, `${MISSING}.avi`)} (caption without a clip)`);
  assert.match(rejectOf(rejects, ONEWORD).reason, /^no caption left after filtering \(.+\)$/);
  const corrupt = rejectOf(rejects, CORRUPT).reason;
  assert.ok(corrupt.includes(join(clips, `${CORRUPT}.avi`)), corrupt);
  assert.match(corrupt, /ffmpeg could not decode/);
  assert.ok(!corrupt.includes('\n'), 'one-line reason');
  const short = rejectOf(rejects, SHORT).reason;
  assert.ok(short.includes(join(clips, `${SHORT}.avi`)), short);
  assert.ok(short.endsWith(': the video gives 5 frames at 25 fps; 8 needed'), short);

  // The counts agree with the run record.
  const manifest = await readManifest(result.runDir!);
  assert.equal(manifest.status, 'succeeded');
  assert.equal(manifest.rejected, 6);
  assert.deepEqual(
    Object.fromEntries(Object.entries(manifest.stages).map(([id, s]) => [id, [s.in, s.out, s.rejected]])),
    {
      clips: [0, 6, 3], // 6 clip files with English captions (the corrupt and short ones included)
      normalize: [6, 6, 0],
      filter: [6, 5, 1],
      annotate: [5, 5, 0],
      frames: [5, 3, 2],
      shards: [3, 0, 0],
      preview: [3, 0, 0],
    },
  );
});

test('msvd-prepare: captions normalised and annotated in the index; other languages left out', async () => {
  const byId = await clipsById(await Dataset.open(join(dir, 'data/msvd')));
  const texts = (id: string) => byId.get(id)!.captions!.map((c) => c.text);
  assert.deepEqual(texts(TOMATO), ['a man is slicing a tomato', 'someone cuts a tomato, slowly, with a knife']);
  assert.deepEqual(texts(WALK), ['a man, a woman, and a dog are walking', 'two people walk in the park']);
  assert.deepEqual(texts(TALK), ['the man says "hello" to the camera', 'a man is talking']);
  const tomato = byId.get(TOMATO)!;
  assert.equal(tomato.caption, 'a man is slicing a tomato');
  assert.deepEqual(tomato.tokens, ['a', 'man', 'is', 'slicing', 'a', 'tomato']);
  assert.ok(tomato.captions![0].actions!.includes('slice'), JSON.stringify(tomato.captions![0]));
  assert.ok(tomato.captions![1].actions!.includes('cut'), JSON.stringify(tomato.captions![1]));
  assert.deepEqual(tomato.captions![0].tokens, ['a', 'man', 'is', 'slicing', 'a', 'tomato']);
  assert.equal(tomato.captions![0].lemmas!.length, 6);
  assert.ok(byId.get(WALK)!.captions!.every((c) => c.actions!.includes('walk')));
  for (const clip of byId.values()) {
    for (const caption of clip.captions!) {
      assert.equal(caption.text, caption.text.toLowerCase(), 'lower case');
      assert.doesNotMatch(caption.text, /\s{2}|^\s|\s$|[.!]$/, 'white space collapsed, final punctuation dropped');
      assert.ok(Array.isArray(caption.pos) && Array.isArray(caption.entities) && caption.someone === false);
    }
  }
});

test('msvd-prepare: vocabulary, word vectors and preview are written with the dataset', async () => {
  const out = join(dir, 'data/msvd');
  const dataset = await Dataset.open(out);
  const vocabulary = JSON.parse(await readFile(join(out, 'vocabulary.json'), 'utf8')) as { words: string[]; counts: Record<string, number> };
  assert.deepEqual(vocabulary.words.slice(0, 2), ['<pad>', '<unk>']);
  for (const word of ['tomato', 'slicing', 'knife', 'walking', 'hello', 'camera']) assert.ok(vocabulary.words.includes(word), word);
  for (const word of ['tomate', 'hola', 'jumping', 'dancing', 'caf']) assert.ok(!vocabulary.words.includes(word), `${word} is not from a kept caption`);
  assert.equal(vocabulary.counts.tomato, 2);
  const words = vocabulary.words.length - 2;

  const attributes = dataset.meta.attributes as {
    vocabulary: unknown;
    wordVectors: { file: string; dim: number; source: string; coverage: { found: number; words: number; ratio: number; missing: string[] } };
  };
  assert.deepEqual(attributes.vocabulary, { file: 'vocabulary.json', size: vocabulary.words.length, from: 'train' });
  const vectors = attributes.wordVectors;
  assert.equal(vectors.file, 'word-vectors.f32');
  assert.equal(vectors.dim, 3);
  assert.equal(vectors.source, 'msvd/words.vec');
  // tomato, man (from "Man", ignoring case), walking, dog, hello; zebra and giraffe are not caption words.
  assert.equal(vectors.coverage.found, 5);
  assert.equal(vectors.coverage.words, words);
  assert.equal(vectors.coverage.missing.length, words - 5);
  assert.equal(vectors.coverage.ratio, 5 / words);
  assert.ok(!vectors.coverage.missing.includes('tomato'));

  assert.ok(existsSync(join(out, 'word-vectors.f32')));
  const saved = await loadWordVectors(join(out, 'word-vectors.f32'));
  assert.equal(saved.dim, 3);
  assert.deepEqual(saved.words, vocabulary.words);
  assert.deepEqual([...saved.vectors.get('tomato')!].map((v) => Math.round(v * 10) / 10), [0.1, 0.2, 0.3]);
  assert.deepEqual([...saved.vectors.get('man')!], [1, 0, 0]);

  const png = decodePng(await readFile(join(dir, 'data/msvd-preview.png')));
  assert.ok(png.width > 0 && png.height > 0);
  assert.equal(run.result.results.get('preview')?.clips, 3);
});
