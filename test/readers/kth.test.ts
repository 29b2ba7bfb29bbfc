import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { collect, put, rejectLines } from './helpers.ts';
import { kthCaptions, parseKthLine, readKth } from '../../datasets/kth/readKth.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';

const SEQUENCES = [
  'This file lists the frame ranges of the subsequences of each KTH video.', // 1 prose
  '', // 2
  'Training:   person11, 12, person13', // 3
  'Validation: person19, 01, 04', // 4
  'Test:       person22,02', // 5
  '', // 6
  'person01_boxing_d1\t\tframes\t1-95, 96-185, 186-245, 246-360', // 7 four ranges, tabs
  'person02_walking_d2    frames    1-100, 101-200,201-300', // 8 spaces, three ranges
  'person11_handwaving_d4\t\tframes\t200-300, 1-99, 100-199', // 9 out of order
  'person13_handclapping_d3\t\tframes\t1-50, 51-100', // 10 no video
  'person05_jogging_d1\t\tframes\t1-50', // 11 person in no split
  'person04_running_d3\tframes\t1-95, x-10', // 12 bad range
  'person04_running_d3\t\t*missing*', // 13 no ranges
  'person01_boxing_d1\t\tframes\t1-10', // 14 repeated
  'person04_swimming_d1  frames 1-10', // 15 unknown action
  'person12_running_d1 frames 5-4', // 16 backwards range
].join('\n');

async function fixture(): Promise<string> {
  const root = await tempDir('t2v-kth-');
  await put(join(root, '00sequences.txt'), SEQUENCES + '\n');
  await put(join(root, 'boxing', 'person01_boxing_d1_uncomp.avi'));
  await put(join(root, 'walking', 'person02_walking_d2_uncomp.avi'));
  await put(join(root, 'person11_handwaving_d4_uncomp.avi'));
  await put(join(root, 'jogging', 'person05_jogging_d1_uncomp.avi'));
  return root;
}

test('readKth: every range a segment, with split, range, captions, attributes; bad lines rejected', async () => {
  const root = await fixture();
  const { segments, rejects } = await collect(readKth({ root }));
  assert.deepEqual(
    segments.map((s) => [s.id, s.split, s.range?.start, s.range?.end]),
    [
      ['person01_boxing_d1_seq1', 'val', 1, 95],
      ['person01_boxing_d1_seq2', 'val', 96, 185],
      ['person01_boxing_d1_seq3', 'val', 186, 245],
      ['person01_boxing_d1_seq4', 'val', 246, 360],
      ['person02_walking_d2_seq1', 'test', 1, 100],
      ['person02_walking_d2_seq2', 'test', 101, 200],
      ['person02_walking_d2_seq3', 'test', 201, 300],
      ['person11_handwaving_d4_seq1', 'train', 200, 300],
      ['person11_handwaving_d4_seq2', 'train', 1, 99],
      ['person11_handwaving_d4_seq3', 'train', 100, 199],
    ],
  );
  assert.deepEqual(segments[1], {
    id: 'person01_boxing_d1_seq2',
    source: 'kth',
    split: 'val',
    media: { kind: 'video', path: join(root, 'boxing', 'person01_boxing_d1_uncomp.avi') },
    range: { unit: 'frames', start: 96, end: 185 },
    captions: ['person 1 is boxing', 'person 1 is boxing outdoors'],
    captionSource: 'derived',
    attributes: { person: 1, action: 'boxing', scenario: 'd1', scenarioName: 'outdoors', sequence: 2, frames: [96, 185] },
  });
  assert.deepEqual(segments[4].captions, ['person 2 is walking', 'person 2 is walking outdoors with the camera zooming']);
  assert.equal(segments[4].attributes.scenarioName, 'outdoors with scale variation');
  assert.deepEqual(segments[7].media, { kind: 'video', path: join(root, 'person11_handwaving_d4_uncomp.avi') });
  assert.deepEqual(segments[7].captions, ['person 11 is waving hands', 'person 11 is waving hands indoors']);
  assert.deepEqual(segments[7].attributes, { person: 11, action: 'handwaving', scenario: 'd4', scenarioName: 'indoors', sequence: 1, frames: [200, 300] });

  assert.deepEqual(rejectLines(rejects), [
    `person13_handclapping_d3_seq1: no video person13_handclapping_d3_uncomp.avi in ${root} or its subfolders`,
    `person13_handclapping_d3_seq2: no video person13_handclapping_d3_uncomp.avi in ${root} or its subfolders`,
    'person05_jogging_d1_seq1: person 5 is in no split (not in the Training/Validation/Test lines of 00sequences.txt)',
    "00sequences.txt:12: bad frame range 'x-10' for person04_running_d3",
    "00sequences.txt:13: no frame ranges for person04_running_d3 ('*missing*')",
    '00sequences.txt:14: person01_boxing_d1 already listed on line 7',
    "00sequences.txt:15: unknown action 'swimming' in person04_swimming_d1",
    "00sequences.txt:16: bad frame range '5-4' for person12_running_d1 (frames are 1-based, from ≤ to)",
  ]);
});

test('readKth: split, actions and limit filters; videosDir; non-UTF-8 data line', async () => {
  const root = await fixture();
  const train = await collect(readKth({ root, split: 'train' }));
  assert.deepEqual(train.segments.map((s) => s.id), ['person11_handwaving_d4_seq1', 'person11_handwaving_d4_seq2', 'person11_handwaving_d4_seq3']);
  assert.equal(train.rejects.filter((r) => r.item.startsWith('person13')).length, 2, 'person 13 is train, its video is missing');

  const test_ = await collect(readKth({ root, split: 'test', actions: ['walking', 'boxing'] }));
  assert.deepEqual(test_.segments.map((s) => s.id), ['person02_walking_d2_seq1', 'person02_walking_d2_seq2', 'person02_walking_d2_seq3']);

  const limited = await collect(readKth({ root, limit: 5 }));
  assert.equal(limited.segments.length, 5);
  assert.equal(limited.segments[4].id, 'person02_walking_d2_seq1');

  // Only the walking/ folder: other videos are missing.
  const walking = await collect(readKth({ root, videosDir: 'walking', actions: ['walking', 'boxing'] }));
  assert.deepEqual(walking.segments.map((s) => s.id), ['person02_walking_d2_seq1', 'person02_walking_d2_seq2', 'person02_walking_d2_seq3']);
  assert.equal(walking.rejects.filter((r) => r.item.startsWith('person01_boxing_d1_seq')).length, 4);

  await put(join(root, '00sequences.txt'), Buffer.concat([Buffer.from('Training: 11\nperson11_boxing_d1 frames 1-5\nperson11_walking_d1 frames 1-'), Buffer.from([0xff]), Buffer.from('\n')]));
  await put(join(root, 'person11_boxing_d1_uncomp.avi'));
  const bad = await collect(readKth({ root }));
  assert.deepEqual(bad.segments.map((s) => s.id), ['person11_boxing_d1_seq1']);
  assert.deepEqual(rejectLines(bad.rejects), ['00sequences.txt:3: not valid UTF-8']);
});

test('readKth: DatasetErrors for a missing root or file, bad headers, bad arguments', async () => {
  const root = await tempDir('t2v-kth-');
  await assert.rejects(collect(readKth({ root: join(root, 'x') })), /x: no such folder/);
  await assert.rejects(collect(readKth({ root })), (e: unknown) => e instanceof DatasetError && e.path === join(root, '00sequences.txt') && /no such file/.test(e.message));
  await put(join(root, '00sequences.txt'), 'Training: person11, twelve\n');
  await assert.rejects(collect(readKth({ root })), (e: unknown) => e instanceof DatasetError && e.line === 1 && /bad person 'twelve' in the Training header/.test(e.message));
  await put(join(root, '00sequences.txt'), 'Training: 11\nTest: person11\n');
  await assert.rejects(collect(readKth({ root })), /00sequences\.txt:2: person 11 is in both train and test/);
  await put(join(root, '00sequences.txt'), 'person11_boxing_d1 frames 1-5\n');
  await assert.rejects(collect(readKth({ root })), /no Training:\/Validation:\/Test: header lines/);
  await put(join(root, '00sequences.txt'), 'Training: 11\n');
  await assert.rejects(collect(readKth({ root, actions: ['dancing'] })), /unknown action 'dancing'/);
  await assert.rejects(collect(readKth({ root, split: 'dev' as never })), /split must be one of/);
  assert.deepEqual((await collect(readKth({ root }))).all, []);
});

test('parseKthLine and kthCaptions', () => {
  assert.equal(parseKthLine('Training: person11'), undefined);
  assert.equal(parseKthLine('   '), undefined);
  assert.deepEqual(parseKthLine('  person25_running_d3 \t frames\t1-10,11-20,  ,21-30  '), {
    clip: 'person25_running_d3',
    person: 25,
    action: 'running',
    scenario: 'd3',
    ranges: [[1, 10], [11, 20], [21, 30]],
  });
  assert.deepEqual(parseKthLine('person25_running_d3 1-10'), { clip: 'person25_running_d3', person: 25, action: 'running', scenario: 'd3', ranges: [[1, 10]] });
  assert.deepEqual(parseKthLine('person25_running_d5 frames 1-10'), { error: "unknown scenario 'd5' in person25_running_d5 (d1 to d4)" });
  assert.deepEqual(parseKthLine('person25 running'), { error: "expected 'person<NN>_<action>_d<N> frames <from>-<to>, …', got 'person25 running'" });
  assert.deepEqual(parseKthLine('person25_running_d1 frames'), { error: 'no frame ranges for person25_running_d1' });
  assert.deepEqual(kthCaptions(4, 'handclapping', 'd3'), ['person 4 is clapping hands', 'person 4 is clapping hands outdoors in different clothes']);
  assert.deepEqual(kthCaptions(4, 'jogging', 'd2'), ['person 4 is jogging', 'person 4 is jogging outdoors with the camera zooming']);
});
