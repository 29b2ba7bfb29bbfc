import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { tempDir } from '../helpers/tmp.ts';
import { collect, put, rejectLines } from './helpers.ts';
import { parseMpiiClipId, readMpii } from '../../datasets/mpii/readMpii.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';

const AB = '0001_American_Beauty';
const C1 = `${AB}_00.00.51.926-00.00.54.129`; // video file
const C2 = `${AB}_00.01.00.000-00.01.02.500`; // frame folder
const C3 = `${AB}_00.02.00.000-00.02.01.000`; // frame folder without jpgs
const C4 = '0002_Other_Movie_00.00.01.000-00.00.02.000'; // nothing
const C5 = `${AB}_00.03.00.000-00.03.04.000`; // mp4

async function fixture(): Promise<string> {
  const root = await tempDir('t2v-mpii-');
  await put(join(root, AB, `${C1}.avi`));
  await put(join(root, AB, `${C5}.mp4`));
  await put(join(root, 'jpgAllFrames', AB, C2, '0001.jpg'));
  await put(join(root, 'jpgAllFrames', AB, C2, '0002.jpg'));
  await put(join(root, 'jpgAllFrames', AB, C3, 'readme.txt'));
  await put(join(root, 'jpgAllFrames', AB, C1, '0001.jpg')); // the video wins over frames
  const lines = [
    `${C1}\t00.00.51.926\t00.00.54.129\t00.00.51.000\t00.00.55.000\tSOMEONE walks into the room.`, // 1
    `${C1}\t00.00.51.926\t00.00.54.129\t00.00.51.000\t00.00.55.000\tSOMEONE  sits down.`, // 2 repeat
    `${C2}\t00.01.00.000\t00.01.02.500\t00.00.59.500\t00.01.03.000\tHe smiles.`, // 3 frames
    `${AB}_00.01.10.000-00.01.12.000\t00.01.1x.000\t00.01.12.000\t00.01.10.000\t00.01.12.000\tBad time.`, // 4
    `${C2}\tonly three\tcolumns`, // 5
    `${C4}\t00.00.01.000\t00.00.02.000\t00.00.01.000\t00.00.02.000\tNo media.`, // 6
    '', // 7
    `${C1}\t00.00.51.926\t00.00.54.129\t00.00.51.000\t00.00.55.000\tSOMEONE walks into the room.`, // 8 third time
    'hello\t00.00.01.000\t00.00.02.000\t00.00.01.000\t00.00.02.000\tBad id.', // 9
    `${C3}\t00.02.00.000\t00.02.01.000\t00.02.00.000\t00.02.01.000\tEmpty folder.`, // 10
    `${C5}\t00.03.00.000\t00.03.04.000\t00.03.00.000\t00.02.59.000\tEnd before start.`, // 11
    `${C5}\t00.03.00.000\t00.03.04.000\t00.03.00.000\t00.03.04.000\t   `, // 12 empty sentence
    `${C5}\t00.03.00.000\t00.03.04.000\t00.03.00.000\t00.03.04.000\tAn mp4.`, // 13
  ];
  await put(join(root, 'annotations', 'train.tsv'), lines.join('\r\n') + '\r\n');
  await put(join(root, 'annotations', 'old.txt'), [`${C2}\tSOMEONE opens a door.`, `${C2}\tSOMEONE closes it.`, `${C4}\tGone.`, `${C1}`].join('\n'));
  return root;
}

test('readMpii: 6-column lines, repeated ids, videos vs frame folders, rejects', async () => {
  const root = await fixture();
  const { segments, rejects } = await collect(readMpii({ root, annotations: 'annotations/train.tsv', split: 'train' }));
  const times = (a: number, b: number, c: number, d: number) => ({ alignedStart: a, alignedEnd: b, extractedStart: c, extractedEnd: d });
  const ab = { movieNumber: '0001', movie: AB };
  assert.deepEqual(segments, [
    {
      id: C1,
      source: 'mpii',
      split: 'train',
      media: { kind: 'video', path: join(root, AB, `${C1}.avi`) },
      captions: ['SOMEONE walks into the room.'],
      captionSource: 'human',
      attributes: { clipId: C1, ...ab, start: 51.926, end: 54.129, ...times(51.926, 54.129, 51, 55) },
    },
    {
      id: `${C1}#2`,
      source: 'mpii',
      split: 'train',
      media: { kind: 'video', path: join(root, AB, `${C1}.avi`) },
      captions: ['SOMEONE sits down.'],
      captionSource: 'human',
      attributes: { clipId: C1, ...ab, start: 51.926, end: 54.129, ...times(51.926, 54.129, 51, 55) },
    },
    {
      id: C2,
      source: 'mpii',
      split: 'train',
      media: { kind: 'frames', dir: join(root, 'jpgAllFrames', AB, C2), fps: 25 },
      captions: ['He smiles.'],
      captionSource: 'human',
      attributes: { clipId: C2, ...ab, start: 60, end: 62.5, ...times(60, 62.5, 59.5, 63) },
    },
    {
      id: `${C1}#3`,
      source: 'mpii',
      split: 'train',
      media: { kind: 'video', path: join(root, AB, `${C1}.avi`) },
      captions: ['SOMEONE walks into the room.'],
      captionSource: 'human',
      attributes: { clipId: C1, ...ab, start: 51.926, end: 54.129, ...times(51.926, 54.129, 51, 55) },
    },
    {
      id: C5,
      source: 'mpii',
      split: 'train',
      media: { kind: 'video', path: join(root, AB, `${C5}.mp4`) },
      captions: ['An mp4.'],
      captionSource: 'human',
      attributes: { clipId: C5, ...ab, start: 180, end: 184, ...times(180, 184, 180, 184) },
    },
  ]);
  assert.ok(segments.every((s) => s.range === undefined));
  const frames = (c: string) => join(root, 'jpgAllFrames', c.startsWith('0002') ? '0002_Other_Movie' : AB, c);
  assert.deepEqual(rejectLines(rejects), [
    "train.tsv:4: bad START_ALIGNED '00.01.1x.000' (expected hh.mm.ss.mmm)",
    'train.tsv:5: 3 tab-separated columns, expected 6 (clip, 4 times, sentence) or 2 (clip, sentence)',
    `${C4}: no video ${join(root, '0002_Other_Movie', `${C4}.{avi,mp4,mkv}`)} and no frames in ${frames(C4)}/`,
    "train.tsv:9: bad clip id 'hello' (expected e.g. 0001_American_Beauty_00.00.51.926-00.00.54.129)",
    `${C3}: no video ${join(root, AB, `${C3}.{avi,mp4,mkv}`)} and no frames in ${frames(C3)}/`,
    'train.tsv:11: END_EXTRACTED 00.02.59.000 is before START_EXTRACTED 00.03.00.000',
    'train.tsv:12: empty sentence',
  ]);
});

test('readMpii: 2-column lines, fps, folders, limit', async () => {
  const root = await fixture();
  const { segments, rejects } = await collect(readMpii({ root, annotations: join(root, 'annotations', 'old.txt'), split: 'test', fps: 24 }));
  assert.deepEqual(
    segments.map((s) => [s.id, s.split, s.media, s.captions, s.attributes]),
    [
      [C2, 'test', { kind: 'frames', dir: join(root, 'jpgAllFrames', AB, C2), fps: 24 }, ['SOMEONE opens a door.'], { clipId: C2, movieNumber: '0001', movie: AB, start: 60, end: 62.5 }],
      [`${C2}#2`, 'test', { kind: 'frames', dir: join(root, 'jpgAllFrames', AB, C2), fps: 24 }, ['SOMEONE closes it.'], { clipId: C2, movieNumber: '0001', movie: AB, start: 60, end: 62.5 }],
    ],
  );
  assert.deepEqual(rejects.map((r) => r.item), [C4, 'old.txt:4']);
  assert.match(rejects[1].reason, /^1 tab-separated columns/);

  // Other media folders: the AVI is no longer found, the frames folder of C1 is.
  await mkdir(join(root, 'none'));
  const moved = await collect(readMpii({ root, annotations: 'annotations/train.tsv', split: 'val', videosDir: 'none', limit: 2 }));
  assert.deepEqual(
    moved.segments.map((s) => [s.id, s.split, s.media.kind]),
    [
      [C1, 'val', 'frames'],
      [`${C1}#2`, 'val', 'frames'],
    ],
  );
  assert.equal(moved.rejects.length, 0);
});

test('readMpii: DatasetErrors for missing root, annotation file, folders and bad arguments; bad UTF-8 line', async () => {
  const root = await fixture();
  await assert.rejects(collect(readMpii({ root: join(root, 'gone'), annotations: 'a.tsv', split: 'train' })), /gone: no such folder/);
  await assert.rejects(collect(readMpii({ root, annotations: 'a.tsv', split: 'train' })), (e: unknown) => e instanceof DatasetError && e.path === join(root, 'a.tsv') && /no such file/.test(e.message));
  await assert.rejects(collect(readMpii({ root, annotations: 'annotations/old.txt', split: 'train', framesDir: 'frames' })), /frames: no such folder/);
  await assert.rejects(collect(readMpii({ root, annotations: 'annotations/old.txt', split: 'all' as never })), /split must be one of train, val, test/);
  await assert.rejects(collect(readMpii({ root, annotations: 'annotations/old.txt', split: 'train', fps: 0 })), /fps must be/);
  await put(join(root, 'bad.tsv'), Buffer.concat([Buffer.from(`${C1}\tSOMEONE caf`), Buffer.from([0xe9]), Buffer.from(`.\n${C1}\tFine.\n`)]));
  const { segments, rejects } = await collect(readMpii({ root, annotations: 'bad.tsv', split: 'train' }));
  assert.deepEqual(segments.map((s) => [s.id, s.captions[0]]), [[C1, 'Fine.']]);
  assert.deepEqual(rejectLines(rejects), ['bad.tsv:1: not valid UTF-8']);
});

test('parseMpiiClipId', () => {
  assert.deepEqual(parseMpiiClipId('0001_American_Beauty_00.00.51.926-00.00.54.129'), { movieNumber: '0001', movie: '0001_American_Beauty', start: 51.926, end: 54.129 });
  assert.deepEqual(parseMpiiClipId('3001_21_JUMP_STREET_01.02.03.400-01.02.05.000'), { movieNumber: '3001', movie: '3001_21_JUMP_STREET', start: 3723.4, end: 3725 });
  for (const bad of ['American_Beauty_00.00.51.926-00.00.54.129', '0001_American_Beauty_00.00.54.129-00.00.51.926', '0001_American_Beauty_00.00.51.926', '0001_X_00.61.00.000-00.62.00.000']) {
    assert.equal(parseMpiiClipId(bad), undefined, bad);
  }
});
