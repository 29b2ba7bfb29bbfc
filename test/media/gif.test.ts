import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClipShape } from '../../datasets/clip.ts';
import { encodeGif, encodeGifGrid } from '../../media/gif.ts';
import { readFrames } from '../../media/ffmpeg.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2v-gif-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Decode a GIF with ffmpeg (an independent decoder) to RGB frames. */
async function decode(gif: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.gif`);
  await writeFile(path, gif);
  return readFrames(path, { width, height, pixFmt: 'rgb24' });
}

function greyClip([t, h, w]: ClipShape): Uint8Array {
  const frames = new Uint8Array(t * h * w);
  for (let i = 0; i < t; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) frames[(i * h + y) * w + x] = (x * 37 + y * 11 + i * 53) % 256;
  return frames;
}

const COLOURS = [
  [200, 30, 40],
  [20, 180, 60],
  [30, 60, 220],
  [250, 250, 240],
] as const;

/** A coloured square moving over a two-colour striped background: only four distinct colours. */
function rgbClip([t, h, w]: ClipShape): Uint8Array {
  const frames = new Uint8Array(t * h * w * 3);
  for (let i = 0; i < t; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inSquare = x >= i && x < i + 3 && y >= 1 && y < 4;
        const colour = inSquare ? COLOURS[2 + (i % 2)] : COLOURS[y % 2];
        frames.set(colour, ((i * h + y) * w + x) * 3);
      }
  return frames;
}

function logicalScreen(gif: Uint8Array): { width: number; height: number } {
  return { width: gif[6] | (gif[7] << 8), height: gif[8] | (gif[9] << 8) };
}

/** Frame delays (1/100 s) from every Graphic Control Extension. */
function delays(gif: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 7 < gif.length; i++) {
    if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 4 && gif[i + 7] === 0) out.push(gif[i + 4] | (gif[i + 5] << 8));
  }
  return out;
}

const hasNetscapeLoop = (gif: Uint8Array) => Buffer.from(gif).includes('NETSCAPE2.0');

describe('encodeGif', () => {
  test('grey clip round-trips exactly through an independent decoder', async () => {
    const shape: ClipShape = [5, 6, 7, 1];
    const frames = greyClip(shape);
    const gif = encodeGif(frames, shape);
    assert.equal(Buffer.from(gif.subarray(0, 6)).toString('latin1'), 'GIF89a');
    assert.deepEqual(logicalScreen(gif), { width: 7, height: 6 });
    assert.ok(hasNetscapeLoop(gif), 'loops by default');

    const decoded = await decode(gif, 7, 6);
    assert.equal(decoded.length, 5 * 6 * 7 * 3, 'frame count');
    for (let p = 0; p < frames.length; p++) {
      const rgb = [decoded[p * 3], decoded[p * 3 + 1], decoded[p * 3 + 2]];
      assert.deepEqual(rgb, [frames[p], frames[p], frames[p]], `pixel ${p}`);
    }
  });

  test('scale multiplies the logical screen and upscales by nearest neighbour', async () => {
    const shape: ClipShape = [2, 4, 5, 1];
    const frames = greyClip(shape);
    const gif = encodeGif(frames, shape, { scale: 3 });
    assert.deepEqual(logicalScreen(gif), { width: 15, height: 12 });
    const decoded = await decode(gif, 15, 12);
    assert.equal(decoded.length, 2 * 15 * 12 * 3);
    for (let t = 0; t < 2; t++)
      for (let y = 0; y < 12; y++)
        for (let x = 0; x < 15; x++) {
          const expected = frames[(t * 4 + Math.floor(y / 3)) * 5 + Math.floor(x / 3)];
          assert.equal(decoded[((t * 12 + y) * 15 + x) * 3], expected, `t${t} (${x},${y})`);
        }
  });

  test('RGB clip with few colours decodes within tolerance', async () => {
    const shape: ClipShape = [6, 8, 10, 3];
    const frames = rgbClip(shape);
    const gif = encodeGif(frames, shape, { scale: 2 });
    assert.deepEqual(logicalScreen(gif), { width: 20, height: 16 });
    const decoded = await decode(gif, 20, 16);
    assert.equal(decoded.length, 6 * 16 * 20 * 3, 'frame count');
    let worst = 0;
    for (let t = 0; t < 6; t++)
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 20; x++)
          for (let ch = 0; ch < 3; ch++) {
            const want = frames[((t * 8 + (y >> 1)) * 10 + (x >> 1)) * 3 + ch];
            worst = Math.max(worst, Math.abs(decoded[((t * 16 + y) * 20 + x) * 3 + ch] - want));
          }
    assert.ok(worst <= 6, `max channel error ${worst}`);
  });

  test('a single-colour RGB clip (1-entry palette) still decodes', async () => {
    const shape: ClipShape = [3, 4, 4, 3];
    const frames = new Uint8Array(3 * 4 * 4 * 3);
    for (let p = 0; p < frames.length; p += 3) frames.set([10, 120, 240], p);
    const decoded = await decode(encodeGif(frames, shape), 4, 4);
    assert.equal(decoded.length, frames.length);
    for (let i = 0; i < decoded.length; i++) assert.ok(Math.abs(decoded[i] - frames[i]) <= 6, `byte ${i}`);
  });

  test('fps sets per-frame delays whose sum keeps the exact rate; loop:false plays once', () => {
    const shape: ClipShape = [8, 2, 2, 1];
    const gif = encodeGif(greyClip(shape), shape, { fps: 8, loop: false });
    const d = delays(gif);
    assert.equal(d.length, 8);
    assert.deepEqual(d, [13, 12, 13, 12, 13, 12, 13, 12]);
    assert.ok(!hasNetscapeLoop(gif));
    assert.deepEqual(delays(encodeGif(greyClip(shape), shape, { fps: 25 })), Array(8).fill(4));
  });

  test('rejects inconsistent input', () => {
    assert.throws(() => encodeGif(new Uint8Array(10), [1, 2, 2, 1]), RangeError);
    assert.throws(() => encodeGif(new Uint8Array(16), [1, 2, 2, 4]), RangeError);
    assert.throws(() => encodeGif(new Uint8Array(4), [1, 2, 2, 1], { scale: 1.5 }), RangeError);
    assert.throws(() => encodeGif(new Uint8Array(4), [1, 2, 2, 1], { fps: 60 }), RangeError);
  });
});

describe('encodeGifGrid', () => {
  test('tiles clips with gaps; cells hold each clip, gaps and empty cells the background', async () => {
    const shape: ClipShape = [3, 4, 5, 1];
    const clips = [0, 1, 2].map((k) => {
      const frames = greyClip(shape).map((v) => (v + k * 70) % 256);
      return { frames, shape };
    });
    const gif = encodeGifGrid(clips, { columns: 2, gap: 1, background: 128 });
    const width = 2 * 5 + 1;
    const height = 2 * 4 + 1;
    assert.deepEqual(logicalScreen(gif), { width, height });
    const decoded = await decode(gif, width, height);
    assert.equal(decoded.length, 3 * width * height * 3);
    const at = (t: number, x: number, y: number) => decoded[((t * height + y) * width + x) * 3];
    for (let t = 0; t < 3; t++) {
      clips.forEach((clip, k) => {
        const x0 = (k % 2) * 6;
        const y0 = Math.floor(k / 2) * 5;
        for (let y = 0; y < 4; y++)
          for (let x = 0; x < 5; x++) assert.equal(at(t, x0 + x, y0 + y), clip.frames[(t * 4 + y) * 5 + x], `clip ${k} t${t}`);
      });
      assert.equal(at(t, 5, 0), 128, 'vertical gap');
      assert.equal(at(t, 0, 4), 128, 'horizontal gap');
      assert.equal(at(t, 8, 7), 128, 'empty fourth cell');
    }
  });

  test('mixing grey and RGB clips promotes the grid to RGB', async () => {
    const grey = { frames: greyClip([6, 8, 10, 1]), shape: [6, 8, 10, 1] as ClipShape };
    const rgb = { frames: rgbClip([6, 8, 10, 3]), shape: [6, 8, 10, 3] as ClipShape };
    const gif = encodeGifGrid([grey, rgb], { gap: 0 });
    assert.deepEqual(logicalScreen(gif), { width: 20, height: 8 });
    const decoded = await decode(gif, 20, 8);
    const px = (x: number, y: number) => Array.from(decoded.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3));
    const err = px(10, 0).map((v, ch) => Math.abs(v - COLOURS[0][ch]));
    assert.ok(Math.max(...err) <= 6, `rgb cell colour ${px(10, 0)}`);
  });

  test('rejects clips of different lengths', () => {
    const a = { frames: new Uint8Array(4), shape: [1, 2, 2, 1] as ClipShape };
    const b = { frames: new Uint8Array(8), shape: [2, 2, 2, 1] as ClipShape };
    assert.throws(() => encodeGifGrid([a, b]), /same length/);
  });
});
