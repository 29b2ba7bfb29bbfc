import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, type Clip } from '../../datasets/clip.ts';
import {
  BOUNCING_DIGITS_DEFAULTS,
  bouncePath,
  bouncingDigits,
  bouncingDigitsClip,
  heldOutPairs,
  pairKey,
  renderDigits,
  type BouncingDigitsInput,
  type DigitMotionPair,
  type Motion,
} from '../../datasets/synthetic/bouncingDigits.ts';
import { digitImage, instanceRange } from '../../datasets/synthetic/mnistDigits.ts';
import { centroids, range, take } from './helpers.ts';

const SBMG: BouncingDigitsInput = { digits: 1, count: 400, seed: 7 };
const TBMG: BouncingDigitsInput = { digits: 2, count: 400, seed: 7 };

/** Motions as the caption words say, in caption order; independent of the attributes. */
function captionMotions(caption: string): Motion[] {
  return [...caption.matchAll(/is moving (up and down|left and right)/g)].map((m) => (m[1] === 'up and down' ? 'vertical' : 'horizontal'));
}

function captionPairs(caption: string): DigitMotionPair[] {
  return [...caption.matchAll(/digit (\d) is moving (up and down|left and right)/g)].map((m) => ({
    digit: Number(m[1]),
    motion: m[2] === 'up and down' ? 'vertical' : 'horizontal',
  }));
}

function sameClip(a: Clip, b: Clip): void {
  assert.equal(a.id, b.id);
  assert.equal(a.caption, b.caption);
  assert.equal(a.split, b.split);
  assert.deepEqual(a.attributes, b.attributes);
  assert.ok(Buffer.from(a.frames).equals(Buffer.from(b.frames)), `${a.id} frames differ`);
}

test('same seed gives identical clips; a different seed gives different ones', () => {
  for (const args of [SBMG, TBMG]) {
    const a = take(bouncingDigits({ ...args, count: 20 }), 20);
    const b = take(bouncingDigits({ ...args, count: 20 }), 20);
    assert.equal(a.length, 20);
    a.forEach((clip, i) => sameClip(clip, b[i]));
    const c = take(bouncingDigits({ ...args, count: 20, seed: 8 }), 20);
    assert.ok(c.some((clip, i) => clip.caption !== a[i].caption), 'captions should differ');
    assert.ok(c.every((clip, i) => !Buffer.from(clip.frames).equals(Buffer.from(a[i].frames))), 'frames should differ');
  }
});

test('random access: bouncingDigitsClip(args, i) equals the i-th generated clip', () => {
  for (const args of [SBMG, TBMG]) {
    const all = take(bouncingDigits({ ...args, count: 40 }), 40);
    for (const i of [0, 1, 13, 39]) sameClip(bouncingDigitsClip({ ...args, count: 40 }, i), all[i]);
  }
});

test('the generator is lazy (a billion clips cost nothing until pulled)', () => {
  const clips = take(bouncingDigits({ ...SBMG, count: 1e9 }), 3);
  assert.deepEqual(clips.map((c) => c.id), ['sbmg-000000', 'sbmg-000001', 'sbmg-000002']);
});

test('caption, tokens, id, shape and pixel content', () => {
  const one = /^digit [0-9] is moving (up and down|left and right)$/;
  const two = /^digit [0-9] is moving (up and down|left and right) and digit [0-9] is moving (up and down|left and right)$/;
  for (const [args, re, source] of [[SBMG, one, 'sbmg'], [TBMG, two, 'tbmg']] as const) {
    const clips = take(bouncingDigits(args), 50);
    clips.forEach((clip, i) => {
      assert.match(clip.caption, re);
      assert.deepEqual(clip.tokens, tokenize(clip.caption));
      assert.equal(clip.id, `${source}-${String(i).padStart(6, '0')}`);
      assert.equal(clip.source, source);
      assert.deepEqual(clip.shape, [16, 64, 64, 1]);
      assert.equal(clip.frames.length, 16 * 64 * 64);
      assert.ok(clip.split === 'train' || clip.split === 'val');
      const attributes = JSON.parse(JSON.stringify(clip.attributes));
      assert.deepEqual(attributes, clip.attributes, 'attributes are plain JSON');
      assert.deepEqual(captionPairs(clip.caption).map((p) => p.digit), clip.attributes.digits);
      const lit = clip.frames.filter((v) => v > 0).length / clip.frames.length;
      assert.ok(lit > 0.01 && lit < 0.4, `lit fraction ${lit}`);
      assert.ok(Math.max(...clip.frames) >= 250);
    });
  }
  assert.equal(bouncingDigitsClip({ ...SBMG, count: 100_000 }, 42).id, 'sbmg-000042');
});

test('motion words match the motion shown (single digit, measured from pixels)', () => {
  let horizontal = 0;
  let vertical = 0;
  for (const clip of bouncingDigits({ ...SBMG, count: 200 })) {
    const [motion] = captionMotions(clip.caption);
    const c = centroids(clip);
    const xs = c.map((s) => s.x);
    const ys = c.map((s) => s.y);
    const [moving, still] = motion === 'horizontal' ? [xs, ys] : [ys, xs];
    assert.ok(range(moving) >= BOUNCING_DIGITS_DEFAULTS.speed * 3, `${clip.id} "${clip.caption}" should move`);
    assert.ok(range(still) < 1e-9, `${clip.id} "${clip.caption}" should not move on the other axis`);
    if (motion === 'horizontal') horizontal++;
    else vertical++;
  }
  assert.ok(horizontal > 50 && vertical > 50, `both motions occur (${horizontal}/${vertical})`);
});

test('digits bounce: stay inside, move at speed, reverse at the edges', () => {
  const size = 64;
  const speed = 3;
  const limit = size - 28;
  let reversals = 0;
  for (const clip of bouncingDigits({ ...SBMG, count: 30, frames: 80, speed })) {
    const [motion] = captionMotions(clip.caption);
    const attributes = clip.attributes as { digits: number[]; mnistIndex: number[] };
    const sprite = centroids({ frames: digitImage(attributes.digits[0], attributes.mnistIndex[0]), shape: [1, 28, 28, 1] })[0];
    // Sprite top-left per frame, recovered from the pixels: centroid minus the digit's own centroid.
    const c = centroids(clip);
    const exact = c.map((s) => (motion === 'horizontal' ? s.x - sprite.x : s.y - sprite.y));
    for (let t = 0; t < exact.length; t++) {
      assert.ok(Math.abs(c[t].mass - sprite.mass) < 1e-6, `${clip.id} frame ${t}: whole digit visible`);
      assert.ok(Math.abs(exact[t] - Math.round(exact[t])) < 1e-6, `${clip.id} frame ${t} at ${exact[t]}: whole pixels`);
    }
    const pos = exact.map(Math.round);
    for (const p of pos) assert.ok(p >= 0 && p <= limit, `${clip.id} inside the canvas (${p})`);
    for (let t = 1; t < pos.length; t++) {
      const step = pos[t] - pos[t - 1];
      assert.ok(Math.abs(step) <= speed + 1e-6 && Math.abs(step) > 0, `${clip.id} step ${step}`);
      if (t >= 2) {
        const prev = pos[t - 1] - pos[t - 2];
        if (Math.sign(step) !== Math.sign(prev)) {
          reversals++;
          // A reversal happens only at a wall: the turning point is within one step of 0 or limit.
          const turn = pos[t - 1];
          assert.ok(turn <= speed || turn >= limit - speed, `${clip.id} reversed mid-canvas at ${turn}`);
        } else {
          assert.ok(Math.abs(step) === speed || Math.abs(prev) === speed, `${clip.id} slowed without a wall`);
        }
      }
    }
  }
  // 80 frames x 3 px over a 36 px track: every clip bounces several times.
  assert.ok(reversals >= 30 * 4, `reversals ${reversals}`);
});

test('bouncePath reflects off both walls', () => {
  assert.deepEqual(bouncePath([30, 5], [4, 0], 64, 5).map((p) => p[0]), [30, 34, 34, 30, 26]);
  assert.deepEqual(bouncePath([7, 2], [0, -3], 64, 4).map((p) => p[1]), [2, 1, 4, 7]);
});

test('renderDigits combines overlapping digits by per-pixel max', () => {
  const a = new Uint8Array(784).fill(100);
  const b = new Uint8Array(784);
  b[0] = 200; // top-left of b: over a's pixel (2, 0) below
  b[5] = 50;
  const out = renderDigits(32, 1, [
    { image: a, path: [[0, 0]] },
    { image: b, path: [[2, 0]] },
  ]);
  assert.equal(out[2], 200); // max(100, 200)
  assert.equal(out[7], 100); // max(100, 50)
  assert.equal(out[29], 0); // b only, zero
  assert.equal(out[1], 100); // a only
  assert.throws(() => renderDigits(32, 1, [{ image: a, path: [[5, 0]] }]), RangeError);
});

test('two-digit clips are the per-pixel max of their digits, each moving as captioned', () => {
  let overlaps = 0;
  for (const clip of bouncingDigits({ ...TBMG, count: 60 })) {
    const at = clip.attributes as { digits: number[]; mnistIndex: number[]; start: [number, number][]; velocity: [number, number][] };
    const layers = at.digits.map((d, k) => renderDigits(64, 16, [
      { image: digitImage(d, at.mnistIndex[k]), path: bouncePath(at.start[k], at.velocity[k], 64, 16) },
    ]));
    for (let p = 0; p < clip.frames.length; p++) {
      assert.equal(clip.frames[p], Math.max(layers[0][p], layers[1][p]));
      if (layers[0][p] > 0 && layers[1][p] > 0 && layers[0][p] !== layers[1][p]) overlaps++;
    }
    captionMotions(clip.caption).forEach((motion, k) => {
      const c = centroids({ frames: layers[k], shape: clip.shape });
      const [moving, still] = motion === 'horizontal' ? [c.map((s) => s.x), c.map((s) => s.y)] : [c.map((s) => s.y), c.map((s) => s.x)];
      assert.ok(range(moving) >= 9 && range(still) < 1e-9, `${clip.id} digit ${k + 1}: "${clip.caption}"`);
    });
  }
  assert.ok(overlaps > 0, 'some digits overlap');
});

test("split 'combinations' (SBMG): train and val (digit, motion) pairs are disjoint", () => {
  const clips = [...bouncingDigits(SBMG)];
  const held = new Set(heldOutPairs(SBMG.seed, 0.2).map(pairKey));
  assert.equal(held.size, 4);
  const train = new Set<string>();
  const val = new Set<string>();
  for (const clip of clips) (clip.split === 'train' ? train : val).add(pairKey(captionPairs(clip.caption)[0]));
  assert.ok(val.size > 0);
  for (const key of val) assert.ok(!train.has(key) && held.has(key), `val pair ${key}`);
  assert.equal(train.size, 16);
  const trainPairs = [...train].map((k) => k.split(':'));
  assert.deepEqual(new Set(trainPairs.map((p) => Number(p[0]))), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  assert.deepEqual(new Set(trainPairs.map((p) => p[1])), new Set(['horizontal', 'vertical']));
  const nVal = clips.filter((c) => c.split === 'val').length;
  assert.ok(Math.abs(nVal - 80) <= 1, `exactly proportional val count, got ${nVal}`);
  assert.ok(take(bouncingDigits({ ...SBMG, count: 100 }), 100).some((c) => c.split === 'val'));
});

test("split 'combinations' (TBMG): every val clip has a held-out pair, no train clip does", () => {
  const held = new Set(heldOutPairs(TBMG.seed, 0.2).map(pairKey));
  const trainCaptions = new Set<string>();
  const valCaptions = new Set<string>();
  for (const clip of bouncingDigits(TBMG)) {
    const keys = captionPairs(clip.caption).map(pairKey);
    if (clip.split === 'train') {
      assert.ok(keys.every((k) => !held.has(k)), `${clip.id} train uses a held-out pair`);
      trainCaptions.add(clip.caption);
    } else {
      assert.ok(keys.some((k) => held.has(k)), `${clip.id} val without held-out pair`);
      valCaptions.add(clip.caption);
    }
  }
  assert.ok(valCaptions.size > 20);
  for (const caption of valCaptions) assert.ok(!trainCaptions.has(caption));
});

test('heldOutPairs: distinct digits, both motions and all digits stay in train', () => {
  for (let seed = 0; seed < 50; seed++) {
    for (const vf of [0, 0.01, 0.1, 0.2, 0.3, 0.5]) {
      const held = heldOutPairs(seed, vf);
      assert.equal(held.length, vf === 0 ? 0 : Math.max(1, Math.round(20 * vf)));
      assert.equal(new Set(held.map((p) => p.digit)).size, held.length, 'distinct digits');
      for (const motion of ['horizontal', 'vertical']) {
        assert.ok(held.filter((p) => p.motion === motion).length < 10, 'motion still in train');
      }
      assert.deepEqual(heldOutPairs(seed, vf), held, 'deterministic');
    }
  }
  assert.notDeepEqual(heldOutPairs(1, 0.2), heldOutPairs(2, 0.2));
});

test('train clips use train MNIST instances, val clips val instances', () => {
  for (const clip of bouncingDigits({ ...TBMG, count: 200, split: 'random', valFraction: 0.5 })) {
    const at = clip.attributes as { digits: number[]; mnistIndex: number[] };
    at.digits.forEach((d, k) => {
      const r = instanceRange(d, clip.split === 'train' ? 'train' : 'val');
      assert.ok(at.mnistIndex[k] >= r.start && at.mnistIndex[k] < r.end, `${clip.id} index ${at.mnistIndex[k]}`);
    });
  }
});

test("split 'random': about valFraction val, with pairs shared across splits", () => {
  const clips = [...bouncingDigits({ ...SBMG, count: 600, split: 'random', valFraction: 0.3 })];
  const val = clips.filter((c) => c.split === 'val');
  assert.ok(val.length > 140 && val.length < 220, `val ${val.length}`);
  const trainCaptions = new Set(clips.filter((c) => c.split === 'train').map((c) => c.caption));
  assert.ok(val.filter((c) => trainCaptions.has(c.caption)).length > 100);
});

test('bad arguments throw a RangeError naming the argument', () => {
  const bad: [Partial<BouncingDigitsInput>, RegExp][] = [
    [{ size: 28 }, /size/],
    [{ size: 64.5 }, /size/],
    [{ frames: 1 }, /frames/],
    [{ count: -1 }, /count/],
    [{ count: 2.5 }, /count/],
    [{ digits: 3 as 1 }, /digits/],
    [{ speed: 0 }, /speed/],
    [{ speed: 40 }, /speed/],
    [{ speed: Number.NaN }, /speed/],
    [{ seed: 1.5 }, /seed/],
    [{ split: 'byDigit' as 'random' }, /split/],
    [{ valFraction: -0.1 }, /valFraction/],
    [{ valFraction: 0.6 }, /valFraction/],
    [{ valFraction: 1.2, split: 'random' }, /valFraction/],
  ];
  for (const [override, name] of bad) {
    const args = { ...SBMG, ...override };
    assert.throws(() => bouncingDigits(args), (e: unknown) => e instanceof RangeError && name.test(e.message), JSON.stringify(override));
    assert.throws(() => bouncingDigitsClip(args, 0), RangeError);
  }
  assert.throws(() => bouncingDigitsClip(SBMG, 400), /index/);
  assert.throws(() => bouncingDigitsClip(SBMG, -1), /index/);
  assert.doesNotThrow(() => bouncingDigitsClip({ ...SBMG, split: 'random', valFraction: 1 }, 0));
  assert.equal([...bouncingDigits({ ...SBMG, count: 0 })].length, 0);
});
