import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCaptionedGifGrid } from '../../media/captionedGifGrid.ts';
import { readFrames } from '../../media/ffmpeg.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.ts';

test('a labelled grid GIF: every frame of every video in its cell, labels above, decodable by ffmpeg', async () => {
  const video = (level: number) => ({ frames: new Uint8Array(3 * 8 * 8).map((_, i) => (Math.floor(i / 64) === 1 ? 255 - level : level)), shape: [3, 8, 8, 1] as [number, number, number, number] });
  const gif = encodeCaptionedGifGrid([
    { label: 'seen: digit 1', videos: [video(0), video(100)] },
    { label: 'unseen: digit 2', color: [255, 170, 60], videos: [video(200)] },
  ], { scale: 2, gap: 4 });
  const dir = await tempDir();
  const path = join(dir, 'grid.gif');
  await writeFile(path, gif);
  // width: max(4*2 + 2*16 + 4, 8 + label width), height: 4 + 2 * (9 + 2 + 16 + 4)
  const width = Math.max(44, 8 + 'unseen: digit 2'.length * 6 - 1);
  const height = 4 + 2 * (9 + 2 + 16 + 4);
  const rgb = await readFrames(path, { width, height, pixFmt: 'rgb24' });
  assert.equal(rgb.length, 3 * width * height * 3);
  const pixel = (t: number, x: number, y: number) => rgb[(t * width * height + y * width + x) * 3]!;
  const top1 = 4 + 9 + 2;
  assert.ok(pixel(0, 4 + 3, top1 + 3) < 20, 'video 0, frame 0: dark');
  assert.ok(pixel(1, 4 + 3, top1 + 3) > 235, 'video 0, frame 1: bright');
  assert.ok(Math.abs(pixel(0, 4 + 16 + 4 + 3, top1 + 3) - 100) < 20, 'video 1, frame 0: grey 100');
  const top2 = top1 + 16 + 4 + 9 + 2;
  assert.ok(Math.abs(pixel(0, 4 + 3, top2 + 3) - 200) < 20, 'row 2 video, frame 0');
});
