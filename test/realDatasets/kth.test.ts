import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clip } from '../../datasets/clip.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { tempDir } from '../helpers/tmp.ts';
import { clipsById, junkBytes, put, rampFrameNumbers, rampVideo, readManifest, readRejects, rejectKeys, rejectOf, runPrepare, type PreparedRun } from './helpers.ts';

// KTH end to end: the shipped dags/kth-prepare.yaml over a tiny local copy: 00sequences.txt with the real
// header lines and quirks, grey 160x120 25 fps videos whose frame k has brightness 12 + 4k (lossless), so
// every extracted frame tells which source frame it came from.

const SEQUENCES = [
  'This file lists, for each video of the KTH action database, the frame ranges of its sub-sequences.', // 1
  'Sub-sequences are numbered in the order written.', // 2
  '', // 3
  'Training:   person11, 12, 13, 14, 15, 16, 17, 18', // 4
  'Validation: person19, 20, 21, 23, 24, 25, 01, 04', // 5
  'Test:       person22, 02, 03, 05, 06, 07, 08, 09, 10', // 6
  '', // 7
  'person01_walking_d1\t\tframes\t1-20, 21-40, 41-60', // 8 tabs, three ranges
  'person11_walking_d2    frames    31-60, 1-30', // 9 spaces, out of order
  'person22_walking_d4\t\tframes\t5-24,25-44', // 10
  'person12_walking_d3\t\tframes\t1-30', // 11 no video
  'person01_boxing_d1\t\tframes\t1-30, 31-60', // 12
  'person13_handclapping_d3\t\tframes\t1-20, 21-40', // 13 no video (as in the real corpus)
  'person01_boxing_d4\t\tframes\t1-30', // 14 corrupt video (reported corrupt in the real corpus)
  'person22_handwaving_d1 frames 10-40', // 15 spaces
  '', // 16
].join('\n');

/** Video file → where it goes under the root (the real archives unpack into one folder per action). */
const VIDEOS: Record<string, string> = {
  person01_walking_d1: 'walking',
  person11_walking_d2: 'walking',
  person22_walking_d4: '.',
  person01_boxing_d1: 'boxing',
  person22_handwaving_d1: 'handwaving',
};

const FRAMES = 6;
const SIZE = 32;

const dir = await tempDir('t2v-e2e-kth-');
let walking: PreparedRun;
let all: PreparedRun;
let atRate: PreparedRun;

before(async () => {
  const root = join(dir, 'kth');
  await put(join(root, '00sequences.txt'), SEQUENCES);
  await Promise.all([
    ...Object.entries(VIDEOS).map(([name, folder]) => rampVideo(join(root, folder, `${name}_uncomp.avi`), { frames: 60 })),
    put(join(root, 'boxing', 'person01_boxing_d4_uncomp.avi'), junkBytes(6000, 99)),
  ]);
  const set = (out: string) => ['root=kth', `out=${out}`, `frames=${FRAMES}`, `size=${SIZE}`];
  walking = await runPrepare(dir, { file: 'kth-prepare.yaml' }, [...set('data/kth-walking'), 'actions=walking'], { runs: 'runs-walking' });
  all = await runPrepare(dir, { file: 'kth-prepare.yaml' }, set('data/kth-all'), { runs: 'runs-all' });
  atRate = await runPrepare(dir, { file: 'kth-prepare.yaml' }, [...set('data/kth-fps'), 'actions=walking', 'fps=12.5'], { runs: 'runs-fps' });
});

/** Frame numbers spread over a 1-based inclusive range, first and last included. */
function spread(from: number, to: number, t = FRAMES): number[] {
  const n = to - from + 1;
  return Array.from({ length: t }, (_, i) => from + Math.round((i * (n - 1)) / (t - 1)));
}

const WALKING: Record<string, { split: string; range: [number, number]; person: number; scenario: string; where: string }> = {
  person01_walking_d1_seq1: { split: 'val', range: [1, 20], person: 1, scenario: 'd1', where: 'outdoors' },
  person01_walking_d1_seq2: { split: 'val', range: [21, 40], person: 1, scenario: 'd1', where: 'outdoors' },
  person01_walking_d1_seq3: { split: 'val', range: [41, 60], person: 1, scenario: 'd1', where: 'outdoors' },
  person11_walking_d2_seq1: { split: 'train', range: [31, 60], person: 11, scenario: 'd2', where: 'outdoors with the camera zooming' },
  person11_walking_d2_seq2: { split: 'train', range: [1, 30], person: 11, scenario: 'd2', where: 'outdoors with the camera zooming' },
  person22_walking_d4_seq1: { split: 'test', range: [5, 24], person: 22, scenario: 'd4', where: 'indoors' },
  person22_walking_d4_seq2: { split: 'test', range: [25, 44], person: 22, scenario: 'd4', where: 'indoors' },
};

function checkClip(clip: Clip): void {
  assert.deepEqual(clip.shape, [FRAMES, SIZE, SIZE, 1]);
  assert.equal(clip.frames.length, FRAMES * SIZE * SIZE);
  assert.equal(clip.source, 'kth');
  assert.equal(clip.captionSource, 'derived');
  const range = clip.attributes.frames as [number, number];
  assert.deepEqual(rampFrameNumbers(clip), spread(range[0], range[1]), `${clip.id}: frames spread over ${range.join('-')}`);
}

test('kth-prepare, actions=walking: sub-sequences kept, a missing video rejected, splits by person', async () => {
  const { result } = walking;
  assert.equal(result.status, 'succeeded', String(result.error));
  const dataset = await Dataset.open(join(dir, 'data/kth-walking'));
  assert.deepEqual(dataset.meta.shape, [FRAMES, SIZE, SIZE, 1]);
  assert.equal(dataset.size, 7);
  assert.deepEqual(dataset.meta.splits, { train: 2, val: 3, test: 2 });
  assert.ok((await dataset.verify()).every((r) => r.ok));
  const byId = await clipsById(dataset);
  assert.deepEqual([...byId.keys()].sort(), Object.keys(WALKING).sort());
  for (const [id, want] of Object.entries(WALKING)) {
    const clip = byId.get(id)!;
    checkClip(clip);
    assert.equal(clip.split, want.split, id);
    assert.deepEqual(clip.attributes.frames, want.range, id);
    assert.equal(clip.attributes.person, want.person);
    assert.equal(clip.attributes.action, 'walking');
    assert.equal(clip.attributes.scenario, want.scenario);
    const base = `person ${want.person} is walking`;
    assert.equal(clip.caption, base);
    assert.deepEqual(clip.tokens, ['person', String(want.person), 'is', 'walking']);
    assert.deepEqual(clip.captions!.map((c) => c.text), [base, `${base} ${want.where}`]);
    assert.deepEqual(clip.captions![0].actions, ['walk'], clip.captions![0].text);
    // The scenario caption may name camera motion too (d2: "… with the camera zooming" → zoom).
    assert.equal(clip.captions![1].actions![0], 'walk', clip.captions![1].text);
  }

  const rejects = await readRejects(result.runDir!);
  assert.deepEqual(rejectKeys(rejects), ['clips person12_walking_d3_seq1']);
  assert.match(rejectOf(rejects, 'person12_walking_d3_seq1').reason, /^no video person12_walking_d3_uncomp\.avi in .*kth/);
  const manifest = await readManifest(result.runDir!);
  assert.deepEqual(
    Object.fromEntries(Object.entries(manifest.stages).map(([id, s]) => [id, [s.in, s.out, s.rejected]])),
    { clips: [0, 7, 1], annotate: [7, 7, 0], frames: [7, 7, 0], shards: [7, 0, 0], preview: [7, 0, 0] },
  );
  assert.ok(existsSync(join(dir, 'data/kth-walking-preview.png')));
});

test('kth-prepare, all actions: other actions added, missing and corrupt videos rejected', async () => {
  const { result } = all;
  assert.equal(result.status, 'succeeded', String(result.error));
  const dataset = await Dataset.open(join(dir, 'data/kth-all'));
  assert.deepEqual(dataset.meta.shape, [FRAMES, SIZE, SIZE, 1]);
  assert.equal(dataset.size, 10);
  assert.deepEqual(dataset.meta.splits, { train: 2, val: 5, test: 3 });
  const byId = await clipsById(dataset);
  assert.deepEqual(
    [...byId.keys()].sort(),
    [...Object.keys(WALKING), 'person01_boxing_d1_seq1', 'person01_boxing_d1_seq2', 'person22_handwaving_d1_seq1'].sort(),
  );
  for (const clip of byId.values()) checkClip(clip);
  const boxing = byId.get('person01_boxing_d1_seq2')!;
  assert.equal(boxing.split, 'val');
  assert.deepEqual(boxing.captions!.map((c) => c.text), ['person 1 is boxing', 'person 1 is boxing outdoors']);
  assert.deepEqual(boxing.captions![0].actions, ['box']);
  const waving = byId.get('person22_handwaving_d1_seq1')!;
  assert.equal(waving.split, 'test');
  assert.equal(waving.caption, 'person 22 is waving hands');
  assert.deepEqual(waving.attributes.frames, [10, 40]);

  const rejects = await readRejects(result.runDir!);
  assert.deepEqual(rejectKeys(rejects), [
    'clips person12_walking_d3_seq1',
    'clips person13_handclapping_d3_seq1',
    'clips person13_handclapping_d3_seq2',
    'frames person01_boxing_d4_seq1',
  ]);
  assert.match(rejectOf(rejects, 'person13_handclapping_d3_seq2').reason, /^no video person13_handclapping_d3_uncomp\.avi in /);
  const corrupt = rejectOf(rejects, 'person01_boxing_d4_seq1').reason;
  assert.ok(corrupt.includes(join(dir, 'kth', 'boxing', 'person01_boxing_d4_uncomp.avi')), corrupt);
  assert.match(corrupt, /ffmpeg could not decode/);
  const manifest = await readManifest(result.runDir!);
  assert.equal(manifest.rejected, 4);
  assert.deepEqual(
    Object.fromEntries(Object.entries(manifest.stages).map(([id, s]) => [id, [s.in, s.out, s.rejected]])),
    { clips: [0, 11, 3], annotate: [11, 11, 0], frames: [11, 10, 1], shards: [10, 0, 0], preview: [8, 0, 0] /* the preview stops reading at its limit of 8 */ },
  );
});

test('kth-prepare, fps=12.5: every other frame from the start of each range', async () => {
  const { result } = atRate;
  assert.equal(result.status, 'succeeded', String(result.error));
  const byId = await clipsById(await Dataset.open(join(dir, 'data/kth-fps')));
  assert.deepEqual([...byId.keys()].sort(), Object.keys(WALKING).sort());
  for (const [id, want] of Object.entries(WALKING)) {
    const from = want.range[0];
    assert.deepEqual(rampFrameNumbers(byId.get(id)!), Array.from({ length: FRAMES }, (_, k) => from + 2 * k), id);
  }
  assert.deepEqual(rejectKeys(await readRejects(result.runDir!)), ['clips person12_walking_d3_seq1']);
});

test('train-unet-kth.yaml trains the U-Net on the prepared KTH walking shards (tiny config) and writes a unet model', async () => {
  assert.equal(walking.result.status, 'succeeded', String(walking.result.error));
  const { selectBackend } = await import('../../models/backend/selectBackend.ts');
  await selectBackend('cpu');
  const overrides = ['data=data/kth-walking', 'out=train/unet-kth', 'steps=2', 'batch=2', `size=${SIZE}`, `frames=${FRAMES}`, 'window=4', 'preset=tiny', 'backend=cpu', 'checkpointEvery=1', 'sampleEvery=2', 'adversarialFrom=1'];
  const { result } = await runPrepare(dir, { file: 'train-unet-kth.yaml' }, overrides, { runs: 'runs-unet-kth' });
  assert.equal(result.status, 'succeeded', String(result.error));
  const out = join(dir, 'train/unet-kth');
  const info = JSON.parse(await readFile(join(out, 'model/t2v-model.json'), 'utf8'));
  assert.equal(info.kind, 'unet');
  assert.equal(info.training.trainedSteps, 2);
  const rows = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
  assert.equal(rows.length, 3, 'a header and two steps');
  assert.ok(existsSync(join(out, 'samples/step-00000002.gif')));
});
