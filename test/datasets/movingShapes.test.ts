import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, type Clip } from '../../datasets/clip.ts';
import {
  COLOURS,
  COLOUR_NAMES,
  DIRECTIONS,
  SHAPES,
  SIZES,
  allShapeCombos,
  heldOutShapeCombos,
  movingShapes,
  movingShapesClip,
  shapeCaption,
  type ColourName,
  type MovingShapesInput,
} from '../../datasets/synthetic/movingShapes.ts';
import { centroids, take } from './helpers.ts';

const ARGS: MovingShapesInput = { count: 400, seed: 3 };
const CAPTION = /^a (small|large) (red|green|blue|yellow|white) (circle|square|triangle|diamond) is moving (up|down|left|right)$/;

function parse(caption: string) {
  const m = CAPTION.exec(caption);
  assert.ok(m, caption);
  return { size: m[1], colour: m[2] as ColourName, shape: m[3], direction: m[4] };
}

/** Lit-pixel bounding box and per-row widths of frame t. */
function footprint(clip: Clip, t: number) {
  const [, h, w] = clip.shape;
  const rows: number[] = [];
  let count = 0;
  let x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (let y = 0; y < h; y++) {
    let width = 0;
    for (let x = 0; x < w; x++) {
      const p = ((t * h + y) * w + x) * 3;
      if (clip.frames[p] || clip.frames[p + 1] || clip.frames[p + 2]) {
        width++;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
    if (width > 0) rows.push(width);
    count += width;
  }
  return { count, rows, bboxArea: (x1 - x0 + 1) * (y1 - y0 + 1), x0, x1, y0, y1 };
}

test('same seed gives identical clips; random access equals the generator', () => {
  const a = take(movingShapes({ ...ARGS, count: 30 }), 30);
  const b = take(movingShapes({ ...ARGS, count: 30 }), 30);
  a.forEach((clip, i) => {
    assert.equal(clip.caption, b[i].caption);
    assert.ok(Buffer.from(clip.frames).equals(Buffer.from(b[i].frames)));
  });
  for (const i of [0, 9, 29]) {
    const one = movingShapesClip({ ...ARGS, count: 30 }, i);
    assert.equal(one.id, a[i].id);
    assert.equal(one.caption, a[i].caption);
    assert.equal(one.split, a[i].split);
    assert.deepEqual(one.attributes, a[i].attributes);
    assert.ok(Buffer.from(one.frames).equals(Buffer.from(a[i].frames)));
  }
  const c = take(movingShapes({ ...ARGS, count: 30, seed: 4 }), 30);
  assert.ok(c.some((clip, i) => clip.caption !== a[i].caption));
  assert.ok(c.some((clip, i) => !Buffer.from(clip.frames).equals(Buffer.from(a[i].frames))));
  assert.equal(take(movingShapes({ ...ARGS, count: 1e9 }), 2).length, 2, 'lazy');
});

test('caption, tokens, id, shape; pixels are black or exactly the named colour', () => {
  take(movingShapes(ARGS), 60).forEach((clip, i) => {
    const { colour } = parse(clip.caption);
    assert.deepEqual(clip.tokens, tokenize(clip.caption));
    assert.equal(clip.id, `shapes-${String(i).padStart(6, '0')}`);
    assert.equal(clip.source, 'shapes');
    assert.deepEqual(clip.shape, [16, 64, 64, 3]);
    assert.equal(clip.frames.length, 16 * 64 * 64 * 3);
    assert.deepEqual(JSON.parse(JSON.stringify(clip.attributes)), clip.attributes);
    const rgb = COLOURS[colour];
    let lit = 0;
    for (let p = 0; p < clip.frames.length; p += 3) {
      const px = [clip.frames[p], clip.frames[p + 1], clip.frames[p + 2]];
      if (px[0] || px[1] || px[2]) {
        lit++;
        assert.deepEqual(px, rgb, `${clip.id}: ${clip.caption}`);
      }
    }
    assert.ok(lit / (16 * 64 * 64) > 0.01, 'non-trivial content');
  });
});

test('the shape moves in the captioned direction at about speed px/frame, never clipped', () => {
  const seen = new Set<string>();
  for (const clip of take(movingShapes(ARGS), 200)) {
    const { direction } = parse(clip.caption);
    seen.add(direction);
    const c = centroids(clip);
    const dx = (c[c.length - 1].x - c[0].x) / (c.length - 1);
    const dy = (c[c.length - 1].y - c[0].y) / (c.length - 1);
    const expected = { up: [0, -2], down: [0, 2], left: [-2, 0], right: [2, 0] }[direction]!;
    assert.ok(Math.abs(dx - expected[0]) < 0.05 && Math.abs(dy - expected[1]) < 0.05, `${clip.id} "${clip.caption}" moved (${dx}, ${dy})`);
    for (let t = 1; t < c.length; t++) {
      assert.equal(c[t].mass, c[0].mass, `${clip.id} frame ${t}: shape fully visible`);
    }
  }
  assert.equal(seen.size, 4);
});

test('shape and size words match the drawn footprint', () => {
  const counts: Record<string, number[]> = {};
  for (const clip of take(movingShapes(ARGS), 300)) {
    const { shape, size } = parse(clip.caption);
    const f = footprint(clip, 0);
    (counts[`${shape}/${size}`] ??= []).push(f.count);
    const fill = f.count / f.bboxArea;
    const widest = Math.max(...f.rows);
    if (shape === 'square') assert.equal(fill, 1, clip.id);
    if (shape === 'circle') assert.ok(fill > 0.7 && fill < 0.9, `${clip.id} circle fill ${fill}`);
    if (shape === 'triangle' || shape === 'diamond') assert.ok(fill > 0.4 && fill < 0.65, `${clip.id} ${shape} fill ${fill}`);
    // Triangle points up: its widest row is the bottom one. A diamond is widest in the middle.
    if (shape === 'triangle') assert.equal(f.rows[f.rows.length - 1], widest, clip.id);
    if (shape === 'diamond') assert.ok(f.rows[0] < widest && f.rows[f.rows.length - 1] < widest, clip.id);
  }
  for (const shape of SHAPES) {
    const small = counts[`${shape}/small`];
    const large = counts[`${shape}/large`];
    assert.ok(small && large, shape);
    assert.ok(Math.min(...large) > 2 * Math.max(...small), `${shape}: large must be clearly larger`);
  }
});

test('speed is lowered when the path cannot fit, and the path stays inside', () => {
  const args = { count: 40, seed: 1, size: 32, frames: 40, speed: 3 };
  for (const clip of movingShapes(args)) {
    const at = clip.attributes as { speed: number; extent: number };
    const room = 32 - at.extent;
    assert.ok(Math.abs(at.speed - room / 39) < 1e-9, `${clip.id} speed ${at.speed}`);
    for (let t = 0; t < 40; t++) {
      const f = footprint(clip, t);
      assert.ok(f.count > 0 && f.x0 >= 0 && f.y0 >= 0 && f.x1 < 32 && f.y1 < 32);
    }
    // It really crosses the canvas: centroid travel is about the whole room.
    const c = centroids(clip);
    const travel = Math.hypot(c[39].x - c[0].x, c[39].y - c[0].y);
    assert.ok(Math.abs(travel - room) < 1.5, `${clip.id} travelled ${travel} of ${room}`);
  }
});

test("split 'combinations': val captions never occur in train, every attribute value does", () => {
  const clips = [...movingShapes(ARGS)];
  const train = new Set(clips.filter((c) => c.split === 'train').map((c) => c.caption));
  const val = new Set(clips.filter((c) => c.split === 'val').map((c) => c.caption));
  const held = new Set(heldOutShapeCombos(ARGS.seed, 0.2).map(shapeCaption));
  assert.ok(val.size > 10);
  for (const caption of val) assert.ok(!train.has(caption) && held.has(caption), caption);
  for (const caption of train) assert.ok(!held.has(caption), caption);
  const words = new Set([...train].flatMap((c) => Object.values(parse(c))));
  for (const value of [...SHAPES, ...COLOUR_NAMES, ...SIZES, ...DIRECTIONS]) assert.ok(words.has(value), `${value} in train`);
  const nVal = clips.filter((c) => c.split === 'val').length;
  assert.ok(Math.abs(nVal - 80) <= 1, `val ${nVal}`);
});

test('heldOutShapeCombos: size, determinism, every value kept in train', () => {
  const all = allShapeCombos();
  assert.equal(all.length, 160);
  for (let seed = 0; seed < 30; seed++) {
    for (const vf of [0, 0.001, 0.2, 0.5]) {
      const held = heldOutShapeCombos(seed, vf);
      assert.equal(held.length, vf === 0 ? 0 : Math.max(1, Math.round(160 * vf)));
      assert.deepEqual(heldOutShapeCombos(seed, vf), held);
      const heldKeys = new Set(held.map(shapeCaption));
      assert.equal(heldKeys.size, held.length);
      const train = all.filter((c) => !heldKeys.has(shapeCaption(c)));
      for (const key of ['shape', 'colour', 'size', 'direction'] as const) {
        assert.equal(new Set(train.map((c) => c[key])).size, new Set(all.map((c) => c[key])).size, `${key} seed ${seed} vf ${vf}`);
      }
    }
  }
  assert.notDeepEqual(heldOutShapeCombos(1, 0.2), heldOutShapeCombos(2, 0.2));
});

test("split 'random': val captions overlap train", () => {
  const clips = [...movingShapes({ ...ARGS, split: 'random', valFraction: 0.3 })];
  const val = clips.filter((c) => c.split === 'val');
  assert.ok(val.length > 80 && val.length < 160, `val ${val.length}`);
  const train = new Set(clips.filter((c) => c.split === 'train').map((c) => c.caption));
  assert.ok(val.some((c) => train.has(c.caption)));
});

test('bad arguments throw a RangeError naming the argument', () => {
  const bad: [Partial<MovingShapesInput>, RegExp][] = [
    [{ size: 8 }, /size/],
    [{ frames: 1 }, /frames/],
    [{ count: -1 }, /count/],
    [{ speed: 0 }, /speed/],
    [{ speed: -2 }, /speed/],
    [{ seed: Number.NaN }, /seed/],
    [{ split: 'nope' as 'random' }, /split/],
    [{ valFraction: 0.7 }, /valFraction/],
    [{ valFraction: 2, split: 'random' }, /valFraction/],
  ];
  for (const [override, name] of bad) {
    const args = { ...ARGS, ...override };
    assert.throws(() => movingShapes(args), (e: unknown) => e instanceof RangeError && name.test(e.message), JSON.stringify(override));
    assert.throws(() => movingShapesClip(args, 0), RangeError);
  }
  assert.throws(() => movingShapesClip(ARGS, 400), /index/);
});
