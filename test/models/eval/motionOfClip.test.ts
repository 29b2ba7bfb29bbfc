/**
 * motionOfClip on real clips (agreement with the caption), static and empty clips, other value ranges,
 * and generated-looking variants (a transposed clip, a shaking clip).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bouncingDigits, type Motion } from '../../../datasets/synthetic/bouncingDigits.ts';
import { motionOfClip } from '../../../models/eval/motionOfClip.ts';
import { frameCentroid, toGreyVideo } from '../../../models/eval/greyVideo.ts';
import { parseDigitCaption } from '../../../models/eval/parseDigitCaption.ts';

const clips = [...bouncingDigits({ count: 200, seed: 11 })];

test('on 200 real clips the estimated motion is the caption motion (≥ 99%; in fact all)', () => {
  let agree = 0;
  for (const clip of clips) {
    const estimate = motionOfClip(clip);
    const [{ motion }] = parseDigitCaption(clip.caption);
    assert.equal(motion, (clip.attributes['motions'] as Motion[])[0]);
    if (estimate.motion === motion) agree++;
    assert.equal(estimate.trackedFrames, 16);
  }
  assert.ok(agree / clips.length >= 0.99, `agreement ${agree}/${clips.length}`);
  assert.equal(agree, clips.length);
});

test('on a real clip the cross axis does not move at all and the main axis bounces smoothly', () => {
  for (const clip of clips.slice(0, 50)) {
    const e = motionOfClip(clip);
    const cross = e.motion === 'horizontal' ? e.rangeY : e.rangeX;
    assert.ok(cross < 1e-9, `cross-axis range ${cross}`);
    assert.ok(e.dominance > 1 - 1e-9, `dominance ${e.dominance}`);
    assert.ok(e.jitter < 1, `jitter ${e.jitter}`);
  }
});

test('the centroid follows the sprite exactly (shifts by the path steps)', () => {
  const clip = clips[0];
  const grey = toGreyVideo(clip);
  const start = (clip.attributes['start'] as [number, number][])[0];
  const velocity = (clip.attributes['velocity'] as [number, number][])[0];
  const c0 = frameCentroid(grey, 0)!;
  const c1 = frameCentroid(grey, 1)!;
  // No bounce in the first step unless the sprite starts at a wall: then the step is mirrored.
  const limit = 64 - 28;
  const next = start.map((s, k) => {
    const u = s + velocity[k];
    return u < 0 ? -u : u > limit ? 2 * limit - u : u;
  });
  assert.ok(Math.abs(c1.x - c0.x - (next[0] - start[0])) < 1e-9);
  assert.ok(Math.abs(c1.y - c0.y - (next[1] - start[1])) < 1e-9);
});

test("a constant clip (one frame repeated) is exactly 'static'", () => {
  const clip = clips[3];
  const frame = clip.frames.subarray(0, 64 * 64);
  const frames = new Uint8Array(16 * 64 * 64);
  for (let t = 0; t < 16; t++) frames.set(frame, t * 64 * 64);
  const e = motionOfClip({ frames, shape: [16, 64, 64, 1] });
  assert.equal(e.motion, 'static');
  assert.equal(e.rangeX, 0);
  assert.equal(e.rangeY, 0);
  assert.equal(e.trackedFrames, 16);
});

test("a blank or uniform clip has no digit and is 'static'", () => {
  for (const value of [0, 128, 255]) {
    const e = motionOfClip({ frames: new Uint8Array(16 * 48 * 48).fill(value), shape: [16, 48, 48, 1] });
    assert.equal(e.motion, 'static');
    assert.equal(e.trackedFrames, 0);
  }
});

test('a tanh-range Float32Array with a grey background gives the same motion as the bytes', () => {
  for (const clip of clips.slice(0, 20)) {
    // Background lifted to -0.8 (a generator that never reaches black), digit scaled into [-0.8, 1].
    const floats = Float32Array.from(clip.frames, (v) => -0.8 + (1.8 * v) / 255);
    const e = motionOfClip({ frames: floats, shape: clip.shape });
    const reference = motionOfClip(clip);
    assert.equal(e.motion, reference.motion);
    assert.ok(Math.abs(e.rangeX - reference.rangeX) < 0.5 && Math.abs(e.rangeY - reference.rangeY) < 0.5);
  }
});

test('a transposed clip (x and y swapped) moves the other way', () => {
  for (const clip of clips.slice(0, 20)) {
    const transposed = new Uint8Array(clip.frames.length);
    for (let t = 0; t < 16; t++) {
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) transposed[t * 4096 + x * 64 + y] = clip.frames[t * 4096 + y * 64 + x];
    }
    const original = motionOfClip(clip).motion;
    assert.equal(motionOfClip({ frames: transposed, shape: clip.shape }).motion, original === 'horizontal' ? 'vertical' : 'horizontal');
  }
});

test('a digit shaking back and forth has a high jitter; a small shake is static', () => {
  const clip = clips[5];
  const frame0 = clip.frames.subarray(0, 4096);
  const shaken = (amplitude: number) => {
    const frames = new Uint8Array(16 * 4096);
    for (let t = 0; t < 16; t++) {
      const dx = t % 2 === 0 ? 0 : amplitude;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) frames[t * 4096 + y * 64 + x] = x - dx >= 0 && x - dx < 64 ? frame0[y * 64 + x - dx] : 0;
      }
    }
    return motionOfClip({ frames, shape: [16, 64, 64, 1] });
  };
  const big = shaken(clip.attributes['start'] && (clip.attributes['start'] as [number, number][])[0][0] > 18 ? -6 : 6);
  assert.notEqual(big.motion, 'static');
  assert.ok(big.jitter > 1.9, `jitter ${big.jitter}`);
  assert.equal(shaken(-1).motion, 'static');
});
