/**
 * `t2v generate` with a U-Net model folder (kind unet) on the cpu backend: videos rolled out from first
 * frames (a clip of the training dataset with the video's caption by default, a named dataset clip, a
 * PNG), the model's clip length, files and manifest lines; model folders of a kind t2v does not know, and
 * a U-Net without a dataset to start from, fail with one clear line.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile, cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clip } from '../../datasets/clip.ts';
import { tokenize } from '../../datasets/clip.ts';
import { clipsToVideos, videosToBytes } from '../../models/training/clipsToVideos.ts';
import { decodePng, encodePng } from '../../media/png.ts';
import { hasStack, messages, show, t2v } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';
import { fixtureClips, makeUnetFixture, UNET_FRAMES, UNET_SIZE, UNET_WINDOW } from '../helpers/unetFixture.ts';

const dir = await tempDir('t2v-generate-unet-');
let clips: Clip[] = [];

before(async () => {
  await makeUnetFixture(dir, { 'no-dataset': { trainedSteps: 0, frames: UNET_FRAMES } });
  clips = await fixtureClips(dir);
  // A model folder of a kind t2v does not know.
  await cp(join(dir, 'model'), join(dir, 'weird'), { recursive: true });
  const info = JSON.parse(await readFile(join(dir, 'weird', 't2v-model.json'), 'utf8'));
  await writeFile(join(dir, 'weird', 't2v-model.json'), JSON.stringify({ ...info, kind: 'diffusion' }));
});

const generate = (captions: string, out: string, extra: string[] = [], model = 'model') =>
  t2v(['generate', '--model', model, '--captions', captions, '--out', out, '--backend', 'cpu', '--progress', 'none', '--format', 'png', ...extra], dir);

async function manifest(out: string): Promise<{ video: string; caption: string; seed: number; id: string; line: number; firstFrame?: string }[]> {
  return (await readFile(join(dir, out, 'manifest.jsonl'), 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The frames of a PNG strip written by write-videos (scale 2, grey frames side by side) as grey bytes. */
async function stripFrames(path: string): Promise<Uint8Array[]> {
  const image = decodePng(await readFile(path));
  const scale = 2;
  const side = image.height / scale;
  const count = image.width / (side * scale);
  return Array.from({ length: count }, (_, t) => {
    const frame = new Uint8Array(side * side);
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) frame[y * side + x] = image.data[(y * scale * image.width + t * side * scale + x * scale) * 3]!;
    return frame;
  });
}

/** A clip's first `window` frames as the model sees them (resized to its size), as bytes per frame. */
function givenFrames(clip: Clip): Uint8Array[] {
  const videos = clipsToVideos([clip], { frames: UNET_WINDOW, size: UNET_SIZE, channels: 1 });
  const [bytes] = videosToBytes(videos);
  videos.dispose();
  const n = UNET_SIZE * UNET_SIZE;
  return Array.from({ length: UNET_WINDOW }, (_, t) => bytes!.frames.slice(t * n, (t + 1) * n));
}

const sameFrames = (a: Uint8Array[], b: Uint8Array[]) => a.length === b.length && a.every((f, i) => Buffer.from(f).equals(Buffer.from(b[i]!)));

test('a U-Net model: one file per video, manifest lines, the model clip length, starting from a clip with the caption', async () => {
  const captions = ['digit 1 is moving up and down', 'digit 2 is moving left and right', 'digit 3 is moving up and down'];
  await writeFile(join(dir, 'a.txt'), captions.join('\n') + '\n');
  const result = await generate('a.txt', 'A', ['--per-caption', '2']);
  assert.equal(result.code, 0, show(result));
  assert.match(result.stderr, /model model: unet, 6x16x16x1 \(3 given frames, then 3 predicted\)/);
  assert.match(result.stderr, /first frames: the first 3 frames of a clip of data with the video's caption/);
  const lines = await manifest('A');
  assert.equal(lines.length, 6);
  assert.deepEqual(lines.map((l) => l.id).sort(), ['000000-0', '000000-1', '000001-0', '000001-1', '000002-0', '000002-1']);
  assert.equal((await readdir(join(dir, 'A'))).filter((f) => f.endsWith('.png')).length, 6);
  for (const line of lines) {
    const frames = await stripFrames(join(dir, 'A', line.video));
    assert.equal(frames.length, UNET_FRAMES, `${line.video}: the model's clip length`);
    // The given frames are those of a dataset clip showing the caption (when the dataset has one).
    const same = clips.filter((c) => c.tokens.join(' ') === tokenize(line.caption).join(' '));
    const pool = same.length > 0 ? same : clips;
    assert.ok(pool.some((c) => sameFrames(givenFrames(c), frames.slice(0, UNET_WINDOW))), `${line.video} starts from a clip of "${line.caption}"`);
    // The manifest names that clip.
    const named = clips.find((c) => c.id === line.firstFrame);
    assert.ok(named !== undefined && sameFrames(givenFrames(named), frames.slice(0, UNET_WINDOW)), `${line.video}: manifest firstFrame ${line.firstFrame}`);
  }
  // Deterministic: the same command elsewhere makes the same bytes.
  const again = await generate('a.txt', 'A2', ['--per-caption', '2']);
  assert.equal(again.code, 0, show(again));
  for (const line of lines) assert.ok((await readFile(join(dir, 'A', line.video))).equals(await readFile(join(dir, 'A2', line.video))), line.video);
});

test('--first-frame dataset:DIR#CLIP_ID, or CLIP_ID with --data: every video starts from that clip', async () => {
  const clip = clips.find((c) => !c.caption.includes('digit 1 '))!;
  await writeFile(join(dir, 'b.txt'), 'digit 1 is moving up and down\ndigit 1 is moving left and right\n');
  const named = await generate('b.txt', 'B', ['--first-frame', `dataset:data#${clip.id}`]);
  assert.equal(named.code, 0, show(named));
  assert.match(named.stderr, new RegExp(`first frames: the first 3 frames of clip ${clip.id} of data`));
  const lines = await manifest('B');
  assert.equal(lines.length, 2);
  for (const line of lines) assert.ok(sameFrames(givenFrames(clip), (await stripFrames(join(dir, 'B', line.video))).slice(0, UNET_WINDOW)), line.video);
  assert.deepEqual(lines.map((l) => l.firstFrame), [clip.id, clip.id]);

  const withData = await generate('b.txt', 'B2', ['--data', 'data', '--first-frame', clip.id]);
  assert.equal(withData.code, 0, show(withData));
  for (const line of lines) assert.ok((await readFile(join(dir, 'B', line.video))).equals(await readFile(join(dir, 'B2', line.video))), line.video);

  const missing = await generate('b.txt', 'B3', ['--first-frame', 'dataset:data#no-such-clip']);
  assert.notEqual(missing.code, 0);
  assert.match(messages(missing).join('\n'), /first frames: dataset data has no clip "no-such-clip"/);
});

test('--first-frame IMAGE.png: the picture (centre-cropped, grey) repeated over the window', async () => {
  const width = 24;
  const height = 16;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(x >= 4 && x < 20 && y >= 4 && y < 8 ? 255 : 0, (y * width + x) * 3, (y * width + x + 1) * 3);
  await mkdir(join(dir, 'img'), { recursive: true });
  await writeFile(join(dir, 'img', 'start.png'), encodePng({ width, height, data }));
  await writeFile(join(dir, 'c.txt'), 'digit 2 is moving left and right\n');
  const result = await generate('c.txt', 'C', ['--first-frame', 'img/start.png']);
  assert.equal(result.code, 0, show(result));
  const [line] = await manifest('C');
  assert.match(line!.firstFrame ?? '', /img\/start\.png$/);
  const frames = await stripFrames(join(dir, 'C', line!.video));
  assert.equal(frames.length, UNET_FRAMES);
  for (let t = 0; t < UNET_WINDOW; t++) {
    // The 16x16 centre crop: a white bar in rows 4..7, across the whole width.
    assert.equal(frames[t]![5 * UNET_SIZE + 0], 255, `frame ${t}`);
    assert.equal(frames[t]![5 * UNET_SIZE + 15], 255, `frame ${t}`);
    assert.equal(frames[t]![12 * UNET_SIZE + 8], 0, `frame ${t}`);
  }
  const jpeg = await generate('c.txt', 'C2', ['--first-frame', 'img/start.jpg']);
  assert.notEqual(jpeg.code, 0);
  assert.match(messages(jpeg).join('\n'), /only PNG images are read/);
});

test('a model folder of a kind t2v does not know: one line naming the folder and the kind', async () => {
  await writeFile(join(dir, 'd.txt'), 'digit 1 is moving up and down\n');
  const result = await generate('d.txt', 'D', [], 'weird');
  assert.notEqual(result.code, 0);
  assert.ok(!hasStack(result.stderr), result.stderr);
  assert.match(messages(result).join('\n'), /weird: model kind "diffusion" in t2v-model\.json is not one this t2v knows \(tganc, unet, stackvgan\)/);
  assert.ok(!existsSync(join(dir, 'D', '000000-0.png')));
  const evaluated = await t2v(['eval', '--model', 'weird', '--backend', 'cpu'], dir);
  assert.notEqual(evaluated.code, 0);
  assert.match(messages(evaluated).join('\n'), /weird: model kind "diffusion" in t2v-model\.json is not one this t2v knows/);
});

test('a U-Net model that records no dataset, without --data or --first-frame: a clear error; with --data it works', async () => {
  await writeFile(join(dir, 'e.txt'), 'digit 4 is moving up and down\n');
  const result = await generate('e.txt', 'E', [], 'no-dataset');
  assert.notEqual(result.code, 0);
  assert.ok(!hasStack(result.stderr), result.stderr);
  assert.match(messages(result).join('\n'), /no-dataset is a U-Net model: it rolls videos out from first frames, and it does not record the dataset it was trained on; give --data DIR/);
  const withData = await generate('e.txt', 'E2', ['--data', 'data'], 'no-dataset');
  assert.equal(withData.code, 0, show(withData));
  assert.equal((await manifest('E2')).length, 1);
});

test('--first-frame stage1:DIR: a StackGAN-I -> VGAN model\'s Stage-I image for the caption and seed starts the rollout', async () => {
  const { selectBackend } = await import('../../models/backend/selectBackend.ts');
  const { registerKernelFixes } = await import('../../models/kernels/registerKernelFixes.ts');
  const { saveStackVganBundle, StackVganBundle } = await import('../../models/stackvgan/StackVganBundle.ts');
  const fixtures = await import('../models/stackvgan/helpers.ts');
  await selectBackend('cpu');
  registerKernelFixes();
  const t = fixtures.trainer();
  for (let s = 1; s <= 3; s++) t.trainStep(fixtures.clips(s));
  await saveStackVganBundle(join(dir, 'stage1'), t, { training: { trainedSteps: 3, dataset: 'data' } });
  t.model.dispose();
  await writeFile(join(dir, 'f.txt'), 'digit 1 is moving up and down\ndigit 2 is moving left and right\n');
  const result = await generate('f.txt', 'F', ['--first-frame', 'stage1:stage1']);
  assert.equal(result.code, 0, show(result));
  assert.match(result.stderr, /first frames: the Stage-I image of stage1 for the video's caption and seed, repeated 3 times/);
  const bundle = await StackVganBundle.load(join(dir, 'stage1'));
  try {
    for (const line of await manifest('F')) {
      assert.equal(line.firstFrame, 'stage1:stage1');
      const [still] = bundle.stillImages([{ caption: line.caption, seed: line.seed }]);
      const [, h, w] = still!.shape;
      const repeated = new Uint8Array(UNET_WINDOW * h * w);
      for (let k = 0; k < UNET_WINDOW; k++) repeated.set(still!.frames, k * h * w);
      const asClip: Clip = { id: 'still', frames: repeated, shape: [UNET_WINDOW, h, w, 1], caption: line.caption, tokens: tokenize(line.caption), split: 'train', source: 'test', attributes: {} };
      const frames = await stripFrames(join(dir, 'F', line.video));
      assert.equal(frames.length, UNET_FRAMES);
      assert.ok(sameFrames(givenFrames(asClip), frames.slice(0, UNET_WINDOW)), `${line.video} starts from the Stage-I image of "${line.caption}", seed ${line.seed}`);
    }
  } finally {
    bundle.dispose();
  }
  const wrongKind = await generate('f.txt', 'F2', ['--first-frame', 'stage1:model']);
  assert.notEqual(wrongKind.code, 0);
  assert.match(messages(wrongKind).join('\n'), /--first-frame stage1:model: a unet model has no Stage-I/);
  assert.ok(!hasStack(wrongKind.stderr), wrongKind.stderr);
});
