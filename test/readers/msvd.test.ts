import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { collect, put, rejectLines } from './helpers.ts';
import { readMsvd, splitOfPosition } from '../../datasets/msvd/readMsvd.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';

const HEADER = 'VideoID,Start,End,WorkerID,Source,AnnotationTime,Language,Description';
const CSV_NAME = 'MSR Video Description Corpus.csv';

/** An MSVD folder with every quirk; returns its root. */
async function fixture(): Promise<string> {
  const root = await tempDir('t2v-msvd-');
  const csv = Buffer.concat([
    Buffer.from(
      [
        HEADER, // 1
        '-4wsuPCjDBc,5,15,1,clean,10,English,"a man, a dog, and a ball"', // 2 quoted commas
        '-4wsuPCjDBc,5,15,2,clean,12,English,"he said ""hi"" twice"', // 3 "" escapes
        '-4wsuPCjDBc,5,15,3,clean,9,French,un homme et un chien', // 4 other language
        '-4wsuPCjDBc,5,15,4,clean,9,English,"a man, a dog, and a ball"', // 5 duplicate caption
        'abc,1,10,5,clean,8,English,a cat is playing', // 6
        'missing1,0,5,6,clean,8,English,a caption without a clip', // 7
        'abc,1,10,7,clean,8,English,caf',
      ].join('\n'),
    ),
    Buffer.from([0xff, 0xfe]), // 8: not UTF-8
    Buffer.from(
      '\n' +
        [
          'abc,x1,10,8,clean,8,English,bad start', // 9
          'abc,1,10,onlysix,clean,English', // 10 wrong column count
          '', // 11
          'xyz,0,4,9,clean,5,English,"a multi', // 12
          'line caption"', // 13
          'abc,1,10,10,clean,7, english ,"  a  cat is   playing "', // 14 same caption after white space; language case
          'missing1,0,5,11,clean,8,English,another caption', // 15
          '-abc,2,3,12,clean,8,English,starts with a dash', // 16 missing too
          'abc,10,1,13,clean,8,English,end before start', // 17
          'abc,1,10,14,clean,8,English,', // 18 empty description
          'zz,3,9,15,clean,8,German,nur deutsch', // 19 only German
        ].join('\r\n') +
        '\r\n',
    ),
  ]);
  await put(join(root, CSV_NAME), csv);
  for (const key of ['-4wsuPCjDBc_5_15', 'abc_1_10', 'xyz_0_4', 'zz_3_9']) await put(join(root, 'YouTubeClips', `${key}.avi`));
  await put(join(root, 'YouTubeClips', 'notes.txt'), 'not a clip');
  return root;
}

test('readMsvd: captions grouped per clip, rejects with lines and reasons, sorted-key split', async () => {
  const root = await fixture();
  const clips = join(root, 'YouTubeClips');
  const { all, segments, rejects } = await collect(readMsvd({ root, splitCounts: [2, 1, 1] }));
  assert.deepEqual(rejectLines(rejects), [
    `${CSV_NAME}:8: not valid UTF-8`,
    `${CSV_NAME}:9: bad Start 'x1' (expected seconds, e.g. 5)`,
    `${CSV_NAME}:10: 6 columns, expected 8`,
    `${CSV_NAME}:17: End 1 is not after Start 10`,
    `${CSV_NAME}:18: empty Description`,
    `missing1_0_5: no clip file ${join(clips, 'missing1_0_5.avi')} (caption without a clip)`,
    `-abc_2_3: no clip file ${join(clips, '-abc_2_3.avi')} (caption without a clip)`,
    `zz_3_9: no English captions in ${CSV_NAME}`,
  ]);
  assert.deepEqual(segments, [
    {
      id: '-4wsuPCjDBc_5_15',
      source: 'msvd',
      split: 'train',
      media: { kind: 'video', path: join(clips, '-4wsuPCjDBc_5_15.avi') },
      captions: ['a man, a dog, and a ball', 'he said "hi" twice'],
      captionSource: 'human',
      attributes: { videoId: '-4wsuPCjDBc', start: 5, end: 15 },
    },
    {
      id: 'abc_1_10',
      source: 'msvd',
      split: 'train',
      media: { kind: 'video', path: join(clips, 'abc_1_10.avi') },
      captions: ['a cat is playing'],
      captionSource: 'human',
      attributes: { videoId: 'abc', start: 1, end: 10 },
    },
    {
      id: 'xyz_0_4',
      source: 'msvd',
      split: 'val',
      media: { kind: 'video', path: join(clips, 'xyz_0_4.avi') },
      captions: ['a multi line caption'],
      captionSource: 'human',
      attributes: { videoId: 'xyz', start: 0, end: 4 },
    },
  ]);
  assert.ok(segments.every((s) => s.range === undefined));
  // Rows stream out first, then the missing clips, then the clips in split order.
  assert.deepEqual(
    all.map((i) => ('reject' in i ? `R ${i.item}` : `S ${i.id}`)),
    [8, 9, 10, 17, 18].map((n) => `R ${CSV_NAME}:${n}`).concat(['R missing1_0_5', 'R -abc_2_3', 'S -4wsuPCjDBc_5_15', 'S abc_1_10', 'S xyz_0_4', 'R zz_3_9']),
  );
});

test('readMsvd: languages, split filter, default counts, limit', async () => {
  const root = await fixture();
  const german = await collect(readMsvd({ root, languages: ['German', 'french'] }));
  assert.deepEqual(
    german.segments.map((s) => [s.id, s.split, s.captions]),
    [
      ['-4wsuPCjDBc_5_15', 'train', ['un homme et un chien']],
      ['zz_3_9', 'train', ['nur deutsch']],
    ],
  );
  // Structural row defects are rejected whatever the language; the rest only for kept languages.
  assert.deepEqual(
    german.rejects.map((r) => r.item),
    [`${CSV_NAME}:8`, `${CSV_NAME}:10`, 'abc_1_10', 'xyz_0_4'],
  );

  const val = await collect(readMsvd({ root, split: 'val', splitCounts: [2, 1, 1] }));
  assert.deepEqual(val.segments.map((s) => s.id), ['xyz_0_4']);
  assert.equal(val.rejects.length, 7, 'row and missing-clip rejects come with every split; zz_3_9 is test');

  const limited = await collect(readMsvd({ root, limit: 1 }));
  assert.deepEqual(limited.segments.map((s) => [s.id, s.split]), [['-4wsuPCjDBc_5_15', 'train']]);

  const beyond = await collect(readMsvd({ root, splitCounts: [1, 1, 0] }));
  assert.deepEqual(beyond.segments.map((s) => [s.id, s.split]), [['-4wsuPCjDBc_5_15', 'train'], ['abc_1_10', 'val']]);
  assert.deepEqual(rejectLines(beyond.rejects).slice(-2), [
    'xyz_0_4: position 3 in split order is beyond splitCounts 1+1+0',
    'zz_3_9: position 4 in split order is beyond splitCounts 1+1+0',
  ]);
});

test('readMsvd: youtube_mapping.txt fixes the split order (vid numbers)', async () => {
  const root = await fixture();
  await put(join(root, 'youtube_mapping.txt'), 'xyz_0_4 vid1\n-4wsuPCjDBc_5_15 vid2\n\nabc_1_10 vid3\nmissing1_0_5 vid4\n');
  const { segments, rejects } = await collect(readMsvd({ root, splitCounts: [1, 1, 2] }));
  assert.deepEqual(
    segments.map((s) => [s.id, s.split, s.attributes.vid]),
    [
      ['xyz_0_4', 'train', 'vid1'],
      ['-4wsuPCjDBc_5_15', 'val', 'vid2'],
      ['abc_1_10', 'test', 'vid3'],
    ],
  );
  assert.deepEqual(rejectLines(rejects).slice(-1), ['zz_3_9: not in youtube_mapping.txt, so it has no split']);

  await put(join(root, 'youtube_mapping.txt'), 'xyz_0_4 vid1\nabc_1_10 vid1\n');
  await assert.rejects(collect(readMsvd({ root })), (e: unknown) => e instanceof DatasetError && e.line === 2 && /vid1 listed twice/.test(e.message));
  await put(join(root, 'youtube_mapping.txt'), 'xyz_0_4\n');
  await assert.rejects(collect(readMsvd({ root })), /youtube_mapping\.txt:1: expected '<clip> vid<N>'/);
});

test('readMsvd: header and file errors are DatasetErrors naming the file', async () => {
  const root = await tempDir('t2v-msvd-');
  await put(join(root, 'YouTubeClips', 'a_1_2.avi'));
  await assert.rejects(collect(readMsvd({ root: join(root, 'nope') })), (e: unknown) => e instanceof DatasetError && e.message === `${join(root, 'nope')}: no such folder`);
  await assert.rejects(collect(readMsvd({ root })), /no captions file \(\*\.csv\)/);

  const csv = join(root, 'video_corpus.csv');
  await put(csv, 'VideoID,Start,End,WorkerID,Source,AnnotationTime,Lang,Description,Extra\na,1,2,3,clean,4,English,x,y\n');
  await assert.rejects(collect(readMsvd({ root })), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.path, csv);
    assert.equal(e.line, 1);
    assert.match(e.message, /wrong columns: missing Language; unexpected Lang, Extra/);
    return true;
  });

  await put(csv, '');
  await assert.rejects(collect(readMsvd({ root })), (e: unknown) => e instanceof DatasetError && e.path === csv && /empty/.test(e.message));
  await put(csv, '\n\n');
  await assert.rejects(collect(readMsvd({ root })), /empty/);

  await put(join(root, 'other.csv'), HEADER + '\n');
  await assert.rejects(collect(readMsvd({ root })), /several CSV files \(other\.csv, video_corpus\.csv\)/);
  await assert.rejects(collect(readMsvd({ root, captionsFile: 'missing.csv' })), (e: unknown) => e instanceof DatasetError && e.path === join(root, 'missing.csv') && /no such file/.test(e.message));

  // Header only: no captions, so the one clip is rejected; an absent clips folder is an error.
  const headerOnly = await collect(readMsvd({ root, captionsFile: 'other.csv' }));
  assert.deepEqual(rejectLines(headerOnly.rejects), ['a_1_2: no English captions in other.csv']);
  await assert.rejects(collect(readMsvd({ root, captionsFile: 'other.csv', clipsDir: 'clips' })), /clips: no such folder/);
  await assert.rejects(collect(readMsvd({ root, captionsFile: 'other.csv', languages: [] })), /languages must list/);
  await assert.rejects(collect(readMsvd({ root, captionsFile: 'other.csv', limit: -1 })), /limit must be/);
});

test('readMsvd: an unclosed quote rejects the rest of the file, not a crash', async () => {
  const root = await tempDir('t2v-msvd-');
  await put(join(root, 'YouTubeClips', 'a_1_2.avi'));
  await put(join(root, 'c.csv'), `${HEADER}\na,1,2,1,clean,1,English,fine\na,1,2,2,clean,1,English,"open\na,1,2,3,clean,1,English,lost\n`);
  const { segments, rejects } = await collect(readMsvd({ root }));
  assert.deepEqual(segments.map((s) => s.captions), [['fine']]);
  assert.deepEqual(rejectLines(rejects), ['c.csv:3: quote not closed: the quoted field runs to the end of the file (line 4)']);
});

test('splitOfPosition', () => {
  const counts: [number, number, number] = [1200, 100, 670];
  assert.deepEqual([1, 1200, 1201, 1300, 1301, 1970, 1971, 0].map((n) => splitOfPosition(n, counts)), [
    'train', 'train', 'val', 'val', 'test', 'test', undefined, undefined,
  ]);
});
