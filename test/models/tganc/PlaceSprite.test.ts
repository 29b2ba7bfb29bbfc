/**
 * PlaceSprite (cpu): whole-pixel positions copy the sprite exactly where bouncePath would put it; a
 * fractional position is the linear blend of its two whole-pixel neighbours; the gradient with respect to
 * sprite and path matches central finite differences; RGB sprites; save -> load.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { PlaceSprite } from '../../../models/tganc/PlaceSprite.ts';

before(async () => {
  await selectBackend('cpu');
});

const [S, s, T] = [9, 4, 3];
const travel = S - s;

/** The clip PlaceSprite should give for whole-pixel corners [x, y] per frame, in [-1, 1]. */
function render(sprite: Float32Array, corners: [number, number][], channels = 1): Float32Array {
  const out = new Float32Array(T * S * S * channels);
  corners.forEach(([x, y], t) => {
    for (let r = 0; r < s; r++) for (let c = 0; c < s; c++) for (let k = 0; k < channels; k++) {
      out[((t * S + y + r) * S + x + c) * channels + k] = sprite[(r * s + c) * channels + k]!;
    }
  });
  return out.map((v) => 2 * v - 1);
}

function place(sprite: tf.Tensor, path: tf.Tensor): tf.Tensor {
  return new PlaceSprite({ frames: T, size: S }).apply([sprite, path]) as tf.Tensor;
}

const pathOf = (corners: [number, number][]) => tf.tensor2d([corners.flat().map((p) => p / travel)]);

test('whole-pixel positions put the sprite exactly at [x, y] on a -1 canvas, frame by frame', () => {
  const sprite = tf.randomUniform([1, 1, s, s, 1], 0, 1, 'float32', 3);
  const corners: [number, number][] = [[0, 0], [5, 2], [3, 5]];
  const out = place(sprite, pathOf(corners));
  assert.deepEqual(out.shape, [1, T, S, S, 1]);
  const expected = render(sprite.dataSync() as Float32Array, corners);
  const got = out.dataSync();
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(got[i]! - expected[i]!) < 1e-6, `pixel ${i}: ${got[i]} vs ${expected[i]}`);
});

test('a fractional position blends the two whole-pixel placements linearly (in x and in y)', () => {
  const sprite = tf.randomUniform([1, 1, s, s, 1], 0, 1, 'float32', 4);
  const data = sprite.dataSync() as Float32Array;
  const got = place(sprite, tf.tensor2d([[1.25, 2, 4, 0.5, 0, 0].map((p) => p / travel)])).dataSync();
  // x = 1.25 at frame 0 (y = 2); y = 0.5 at frame 1 (x = 4); frame 2 at [0, 0].
  const a = render(data, [[1, 2], [4, 0], [0, 0]]);
  const b = render(data, [[2, 2], [4, 1], [0, 0]]);
  const weights = [0.25, 0.5, 0];
  for (let i = 0; i < a.length; i++) {
    const w = weights[Math.floor(i / (S * S))]!;
    const want = (1 - w) * a[i]! + w * b[i]!;
    assert.ok(Math.abs(got[i]! - want) < 1e-5, `pixel ${i}: ${got[i]} vs ${want}`);
  }
});

test('gradient with respect to the sprite and the path matches central finite differences', () => {
  const sprite = tf.randomUniform([2, 1, s, s, 1], 0, 1, 'float32', 5);
  // Off whole pixels (kinks of the bilinear kernel) by at least 0.2 px.
  const path = tf.tensor2d([
    [0.3, 1.4, 2.7, 3.6, 4.2, 0.8].map((p) => p / travel),
    [4.7, 4.3, 1.5, 0.25, 2.3, 2.6].map((p) => p / travel),
  ]);
  const weights = tf.randomNormal([2, T, S, S, 1], 0, 1, 'float32', 6);
  const loss = (sp: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(place(sp, p), weights)) as tf.Scalar;
  const [dSprite, dPath] = tf.grads((sp: tf.Tensor, p: tf.Tensor) => loss(sp, p))([sprite, path]);
  const check = (name: string, x: tf.Tensor, grad: tf.Tensor, perturb: (v: tf.Tensor) => tf.Scalar, eps: number) => {
    const values = x.dataSync() as Float32Array;
    const g = grad.dataSync();
    for (let i = 0; i < values.length; i++) {
      const at = (d: number) => {
        const v = values.slice();
        v[i] = v[i]! + d;
        return perturb(tf.tensor(v, x.shape)).dataSync()[0]!;
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      assert.ok(Math.abs(fd - g[i]!) <= 2e-3 * Math.max(1, Math.abs(fd)), `${name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`);
    }
  };
  check('sprite', sprite, dSprite!, (v) => loss(v, path), 1e-2);
  check('path', path, dPath!, (v) => loss(sprite, v), 0.02 / travel);
  assert.ok(tf.max(tf.abs(dPath!)).dataSync()[0]! > 0.1, 'the path gets a gradient');
});

test('RGB: each channel is placed the same way', () => {
  const sprite = tf.randomUniform([1, 1, s, s, 3], 0, 1, 'float32', 7);
  const corners: [number, number][] = [[2, 1], [0, 5], [5, 5]];
  const got = place(sprite, pathOf(corners)).dataSync();
  const expected = render(sprite.dataSync() as Float32Array, corners, 3);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(got[i]! - expected[i]!) < 1e-6, `pixel ${i}`);
});

test('bad shapes are refused with the layer name; the layer round-trips through its config', () => {
  const layer = new PlaceSprite({ name: 'place', frames: T, size: S });
  assert.throws(() => layer.computeOutputShape([[null, 1, S, S, 1], [null, 2 * T]]), /smaller than the canvas/);
  assert.throws(() => layer.computeOutputShape([[null, 1, s, s, 1], [null, T]]), /path must be \[N, 6\]/);
  assert.throws(() => new PlaceSprite({ frames: 0, size: S }), /frames/);
  const copy = PlaceSprite.fromConfig(PlaceSprite, layer.getConfig()) as PlaceSprite;
  assert.equal(copy.frames, T);
  assert.equal(copy.size, S);
});
