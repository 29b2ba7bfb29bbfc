/** Reading `--first-frame` values, PNG first frames, and the seeded choice of a clip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { imageFirstFrames, parseFirstFrame, pickIndex } from '../../../models/generation/firstFrames.ts';
import { unetVideoFrames } from '../../../models/generation/videoModel.ts';
import { encodePng } from '../../../media/png.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('parseFirstFrame: default, PNG, dataset clip, dataset, clip id; other images refused', () => {
  assert.deepEqual(parseFirstFrame(''), { kind: 'auto' });
  assert.deepEqual(parseFirstFrame('pics/Start.PNG'), { kind: 'image', path: 'pics/Start.PNG' });
  assert.deepEqual(parseFirstFrame('dataset:out/sbmg#sbmg-000012'), { kind: 'clip', id: 'sbmg-000012', data: 'out/sbmg' });
  assert.deepEqual(parseFirstFrame('dataset:out/sbmg'), { kind: 'auto', data: 'out/sbmg' });
  assert.deepEqual(parseFirstFrame('dataset:out/sbmg#'), { kind: 'auto', data: 'out/sbmg' });
  assert.deepEqual(parseFirstFrame('sbmg-000012'), { kind: 'clip', id: 'sbmg-000012' });
  assert.deepEqual(parseFirstFrame('#sbmg-000012'), { kind: 'clip', id: 'sbmg-000012' });
  assert.throws(() => parseFirstFrame('a.jpg'), /only PNG images are read/);
  assert.throws(() => parseFirstFrame('dataset:#x'), /name the dataset folder/);
});

test('imageFirstFrames: centre crop to a square, grey by luma or RGB kept, repeated over the window', async () => {
  const dir = await tempDir('t2v-first-frames-');
  const data = new Uint8Array(4 * 2 * 3);
  // 4x2: columns 1 and 2 (the centre square) red and green.
  data.set([255, 0, 0], (0 * 4 + 1) * 3);
  data.set([0, 255, 0], (1 * 4 + 2) * 3);
  await writeFile(join(dir, 'a.png'), encodePng({ width: 4, height: 2, data }));
  const grey = await imageFirstFrames(join(dir, 'a.png'), { window: 3, size: 16, channels: 1 });
  assert.deepEqual(grey.shape, [3, 2, 2, 1]);
  assert.deepEqual([...grey.frames.subarray(0, 4)], [76, 0, 0, 150]);
  assert.deepEqual([...grey.frames.subarray(8, 12)], [76, 0, 0, 150]);
  const rgb = await imageFirstFrames(join(dir, 'a.png'), { window: 2, size: 16, channels: 3 });
  assert.deepEqual(rgb.shape, [2, 2, 2, 3]);
  assert.deepEqual([...rgb.frames.subarray(0, 12)], [255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0]);
  await assert.rejects(imageFirstFrames(join(dir, 'missing.png'), { window: 1, size: 16, channels: 1 }), /cannot read \(ENOENT\)/);
  await writeFile(join(dir, 'bad.png'), 'not a png');
  await assert.rejects(imageFirstFrames(join(dir, 'bad.png'), { window: 1, size: 16, channels: 1 }), /not a PNG image/);
});

test('pickIndex: a function of the seed, in range, spread over the clips', () => {
  assert.equal(pickIndex(12345, 7), pickIndex(12345, 7));
  const picks = Array.from({ length: 200 }, (_, s) => pickIndex(s, 5));
  assert.ok(picks.every((p) => p >= 0 && p < 5));
  assert.equal(new Set(picks).size, 5);
});

test('unetVideoFrames: the recorded clip length, else at least the window + 1', () => {
  assert.equal(unetVideoFrames(10, { frames: 16 }), 16);
  assert.equal(unetVideoFrames(3, { frames: 6 }), 6);
  assert.equal(unetVideoFrames(10, {}), 16);
  assert.equal(unetVideoFrames(20, { frames: 12 }), 21);
});
