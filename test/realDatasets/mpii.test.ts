import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { tempDir } from '../helpers/tmp.ts';
import { clipsById, lavfiJpegs, lavfiVideo, put, readManifest, readRejects, rejectKeys, rejectOf, runPrepare, type PreparedRun } from './helpers.ts';

// MPII-MD / LSMDC end to end: the shipped dags/mpii-prepare.yaml over a tiny local copy: a 6-column
// annotation file with hh.mm.ss.mmm times and an older 2-column one, repeated clip ids, clips as
// <movie>/<CLIP_ID>.avi and as a JPEG frame folder jpgAllFrames/<movie>/<CLIP_ID>/, one clip missing.

const AB = '0001_American_Beauty';
const FG = '0002_Forrest_Gump';
const WALKS = `${AB}_00.00.51.926-00.00.54.129`; // video; repeated
const SMILES = `${AB}_00.01.00.000-00.01.02.500`; // frame folder
const RUNS = `${FG}_01.10.00.100-01.10.03.200`; // video in another movie
const GONE = '0003_Missing_Movie_00.00.01.000-00.00.02.000'; // no media at all

const SIX = 'LSMDC16_annos_training.csv'; // LSMDC's name; tab separated despite .csv
const SIX_LINES = [
  `${WALKS}\t00.00.51.926\t00.00.54.129\t00.00.51.000\t00.00.55.000\tSOMEONE walks in.`, // 1
  `${SMILES}\t00.01.00.000\t00.01.02.500\t00.00.59.500\t00.01.03.000\tHe smiles at  SOMEONE.`, // 2
  `${WALKS}\t00.00.51.926\t00.00.54.129\t00.00.51.000\t00.00.55.000\tSOMEONE sits down.`, // 3 repeated id
  `${RUNS}\t01.10.00.100\t01.10.03.200\t01.10.00.000\t01.10.04.000\tSOMEONE runs across the field.`, // 4
  `${AB}_00.02.00.000-00.02.01.000\t00.02.0x.000\t00.02.01.000\t00.02.00.000\t00.02.01.000\tBad time.`, // 5
  `${GONE}\t00.00.01.000\t00.00.02.000\t00.00.01.000\t00.00.02.000\tSOMEONE is gone.`, // 6
  '', // 7
  `${WALKS}\t00.00.51.926\t00.00.54.129\t00.00.51.000\t00.00.55.000\tSOMEONE walks in.`, // 8 third time, same sentence
  `${RUNS}\t01.10.00.100\t01.10.03.200\t01.10.00.000\t01.10.04.000\tRuns.`, // 9 one word: filtered out
];
const TWO = 'annotations-someone.txt';
const TWO_LINES = [
  `${SMILES}\tSOMEONE opens the door.`, // 1
  `${RUNS}\tSOMEONE waves at SOMEONE.`, // 2
  `${SMILES}\tSOMEONE closes it.`, // 3 repeated id
  `${GONE}\tSOMEONE leaves.`, // 4 no media
  `${RUNS}`, // 5 one column
];

const dir = await tempDir('t2v-e2e-mpii-');
const root = join(dir, 'lsmdc');
let six: PreparedRun;
let two: PreparedRun;

before(async () => {
  await Promise.all([
    put(join(root, SIX), SIX_LINES.join('\n') + '\n'),
    put(join(root, 'old', TWO), TWO_LINES.join('\r\n') + '\r\n'),
    lavfiVideo(join(root, AB, `${WALKS}.avi`), { size: '64x48', rate: 25, seconds: 1 }),
    lavfiVideo(join(root, FG, `${RUNS}.avi`), { size: '96x40', rate: 10, seconds: 2 }),
    lavfiJpegs(join(root, 'jpgAllFrames', AB, SMILES), { size: '64x48', frames: 12 }),
  ]);
  const set = (annotations: string, out: string, split: string) => ['root=lsmdc', `annotations=${annotations}`, `out=${out}`, `split=${split}`, 'size=32', 'frames=8'];
  six = await runPrepare(dir, { file: 'mpii-prepare.yaml' }, set(SIX, 'data/mpii', 'train'), { runs: 'runs-six' });
  two = await runPrepare(dir, { file: 'mpii-prepare.yaml' }, set(`old/${TWO}`, 'data/mpii-old', 'val'), { runs: 'runs-two' });
});

test('mpii-prepare, 6-column file: videos and frame folders, repeated ids made unique, SOMEONE kept', async () => {
  const { result } = six;
  assert.equal(result.status, 'succeeded', String(result.error));
  const dataset = await Dataset.open(join(dir, 'data/mpii'));
  assert.deepEqual(dataset.meta.shape, [8, 32, 32, 3]);
  assert.equal(dataset.size, 5);
  assert.deepEqual(dataset.meta.splits, { train: 5 });
  assert.deepEqual(dataset.meta.sources, { mpii: 5 });
  assert.ok((await dataset.verify()).every((r) => r.ok));
  const byId = await clipsById(dataset);
  assert.deepEqual([...byId.keys()].sort(), [WALKS, `${WALKS}#2`, `${WALKS}#3`, SMILES, RUNS].sort());
  for (const clip of byId.values()) {
    assert.deepEqual(clip.shape, [8, 32, 32, 3]);
    assert.ok(clip.frames.some((v) => v > 0), `${clip.id} is not blank`);
    assert.equal(clip.captionSource, 'human');
    assert.equal(clip.split, 'train');
  }

  const walks = byId.get(WALKS)!;
  assert.equal(walks.caption, 'SOMEONE walks in');
  assert.deepEqual(walks.tokens, ['someone', 'walks', 'in']);
  const annotation = walks.captions![0];
  assert.deepEqual(annotation.actions, ['walk']);
  assert.deepEqual(annotation.entities, [{ text: 'SOMEONE', type: 'SOMEONE', start: 0, end: 1 }]);
  assert.equal(annotation.someone, true);
  assert.deepEqual(walks.attributes, {
    clipId: WALKS,
    movieNumber: '0001',
    movie: AB,
    start: 51.926,
    end: 54.129,
    alignedStart: 51.926,
    alignedEnd: 54.129,
    extractedStart: 51,
    extractedEnd: 55,
  });
  // Same clip, its own sentences; the third line repeats the first one's and still gets its own id.
  assert.equal(byId.get(`${WALKS}#2`)!.caption, 'SOMEONE sits down');
  assert.deepEqual(byId.get(`${WALKS}#2`)!.captions![0].actions, ['sit']);
  assert.equal(byId.get(`${WALKS}#3`)!.caption, 'SOMEONE walks in');
  assert.equal(byId.get(`${WALKS}#3`)!.attributes.clipId, WALKS);
  assert.equal(byId.get(SMILES)!.caption, 'he smiles at SOMEONE');
  assert.equal(byId.get(RUNS)!.caption, 'SOMEONE runs across the field');
  assert.deepEqual(byId.get(RUNS)!.captions![0].actions, ['run']);

  const vocabulary = JSON.parse(await readFile(join(dir, 'data/mpii/vocabulary.json'), 'utf8')) as { words: string[] };
  assert.ok(vocabulary.words.includes('someone'));
  assert.ok(!vocabulary.words.includes('SOMEONE'), 'vocabulary words are lower case');
  assert.ok(existsSync(join(dir, 'data/mpii-preview.png')));
});

test('mpii-prepare, 6-column file: rejects name the line or the clip, with stage ids', async () => {
  const { result } = six;
  assert.equal(result.status, 'succeeded', String(result.error));
  const rejects = await readRejects(result.runDir!);
  assert.deepEqual(rejectKeys(rejects), [`clips ${GONE}`, `clips ${SIX}:5`, `filter ${RUNS}#2`].sort());
  assert.equal(rejectOf(rejects, `${SIX}:5`).reason, "bad START_ALIGNED '00.02.0x.000' (expected hh.mm.ss.mmm)");
  const gone = rejectOf(rejects, GONE).reason;
  assert.ok(gone.includes(join(root, '0003_Missing_Movie', `${GONE}.{avi,mp4,mkv}`)), gone);
  assert.ok(gone.includes(join(root, 'jpgAllFrames', '0003_Missing_Movie', GONE)), gone);
  assert.match(rejectOf(rejects, `${RUNS}#2`).reason, /^no caption left after filtering/);
  const manifest = await readManifest(result.runDir!);
  assert.deepEqual(
    Object.fromEntries(Object.entries(manifest.stages).map(([id, s]) => [id, [s.in, s.out, s.rejected]])),
    {
      clips: [0, 6, 2],
      normalize: [6, 6, 0],
      filter: [6, 5, 1],
      annotate: [5, 5, 0],
      frames: [5, 5, 0],
      shards: [5, 0, 0],
      preview: [5, 0, 0],
    },
  );
});

test('mpii-prepare, 2-column file: sentences only, as the val split', async () => {
  const { result } = two;
  assert.equal(result.status, 'succeeded', String(result.error));
  const dataset = await Dataset.open(join(dir, 'data/mpii-old'));
  assert.equal(dataset.size, 3);
  assert.deepEqual(dataset.meta.splits, { val: 3 });
  const byId = await clipsById(dataset);
  assert.deepEqual([...byId.keys()].sort(), [SMILES, `${SMILES}#2`, RUNS].sort());
  assert.equal(byId.get(SMILES)!.caption, 'SOMEONE opens the door');
  assert.equal(byId.get(`${SMILES}#2`)!.caption, 'SOMEONE closes it');
  const waves = byId.get(RUNS)!;
  assert.equal(waves.caption, 'SOMEONE waves at SOMEONE');
  assert.deepEqual(waves.captions![0].actions, ['wave']);
  assert.deepEqual(waves.captions![0].entities!.map((e) => e.type), ['SOMEONE', 'SOMEONE']);
  assert.deepEqual(waves.attributes, { clipId: RUNS, movieNumber: '0002', movie: FG, start: 4200.1, end: 4203.2 });

  const rejects = await readRejects(result.runDir!);
  assert.deepEqual(rejectKeys(rejects), [`clips ${GONE}`, `clips ${TWO}:5`].sort());
  assert.match(rejectOf(rejects, `${TWO}:5`).reason, /^1 tab-separated columns, expected 6/);
});
