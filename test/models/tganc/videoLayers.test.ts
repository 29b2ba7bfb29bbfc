/** Shape layers: RepeatOverMap (FoldTime, UnfoldTime, TemporalDifference are covered in networks.test.ts). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { KeepFeatures, RepeatOverMap } from '../../../models/tganc/videoLayers.ts';

before(async () => {
  await selectBackend('cpu');
});

test('RepeatOverMap: [N, D] -> [N*steps, H, W, D]; its gradient sums over the copies', () => {
  const layer = new RepeatOverMap({ steps: 2, height: 3, width: 1 });
  const s = tf.tensor2d([[1, 2], [3, 4]]);
  const y = layer.apply(s) as tf.Tensor;
  assert.deepEqual(y.shape, [4, 3, 1, 2]);
  const rows = y.reshape([12, 2]).arraySync() as number[][];
  assert.deepEqual(rows.slice(0, 6), Array(6).fill([1, 2]));
  assert.deepEqual(rows.slice(6), Array(6).fill([3, 4]));
  const g = tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t) as tf.Tensor))(s);
  assert.deepEqual(g.arraySync(), [[6, 6], [6, 6]]);
  assert.deepEqual(layer.computeOutputShape([null, 2]), [null, 3, 1, 2]);
  assert.throws(() => new RepeatOverMap({ steps: 0, height: 1, width: 1 }), RangeError);
});

test('UpsampleNearest: every element copied to its 2x2(x2) block, factors per axis; the gradient sums each block', async () => {
  const { UpsampleNearest } = await import('../../../models/tganc/videoLayers.ts');
  const [n, t, h, w, c] = [2, 2, 3, 2, 3];
  const x = tf.randomNormal([n, t, h, w, c], 0, 1, 'float32', 9) as tf.Tensor5D;
  const xs = x.arraySync();
  for (const factors of [[2, 2, 2], [1, 2, 2], [2, 1, 1]] as [number, number, number][]) {
    const layer = new UpsampleNearest({ factors });
    const y = layer.apply(x) as tf.Tensor5D;
    assert.deepEqual(y.shape, [n, t * factors[0], h * factors[1], w * factors[2], c]);
    assert.deepEqual(layer.computeOutputShape([null, t, h, w, c]), [null, t * factors[0], h * factors[1], w * factors[2], c]);
    const ys = y.arraySync();
    for (let a = 0; a < n; a++)
      for (let ti = 0; ti < t * factors[0]; ti++)
        for (let hi = 0; hi < h * factors[1]; hi++)
          for (let wi = 0; wi < w * factors[2]; wi++)
            assert.deepEqual(ys[a]![ti]![hi]![wi], xs[a]![Math.floor(ti / factors[0])]![Math.floor(hi / factors[1])]![Math.floor(wi / factors[2])], `factors ${factors} at ${[a, ti, hi, wi]}`);
    // d/dx Σ y·r = the sum of r over each element's block.
    const r = tf.randomNormal(y.shape, 0, 1, 'float32', 4) as tf.Tensor5D;
    const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, r)))(x) as tf.Tensor5D;
    const rs = r.arraySync();
    const gs = grad.arraySync();
    for (let a = 0; a < n; a++)
      for (let ti = 0; ti < t; ti++)
        for (let hi = 0; hi < h; hi++)
          for (let wi = 0; wi < w; wi++)
            for (let ci = 0; ci < c; ci++) {
              let sum = 0;
              for (let dt = 0; dt < factors[0]; dt++)
                for (let dh = 0; dh < factors[1]; dh++)
                  for (let dw = 0; dw < factors[2]; dw++) sum += rs[a]![ti * factors[0] + dt]![hi * factors[1] + dh]![wi * factors[2] + dw]![ci]!;
              assert.ok(Math.abs(gs[a]![ti]![hi]![wi]![ci]! - sum) < 1e-5);
            }
    tf.dispose([y, r, grad]);
  }
  x.dispose();
  assert.throws(() => new UpsampleNearest({ factors: [3, 2, 2] }), /factors/);
});

test('KeepFeatures: the entries not kept become 0, in the value and in the gradient; config round trip; bad lists refused', () => {
  const layer = new KeepFeatures({ name: 'keep', keep: [0, 3] });
  const x = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]);
  assert.deepEqual((layer.apply(x) as tf.Tensor).arraySync(), [[1, 0, 0, 4], [5, 0, 0, 8]]);
  const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, tf.tensor2d([[1, 1, 1, 1], [2, 2, 2, 2]]))))(x);
  assert.deepEqual(grad.arraySync(), [[1, 0, 0, 1], [2, 0, 0, 2]]);
  const copy = KeepFeatures.fromConfig(KeepFeatures, layer.getConfig()) as KeepFeatures;
  assert.deepEqual(copy.keep, [0, 3]);
  assert.throws(() => layer.computeOutputShape([null, 3]), /goes beyond the 3 features/);
  assert.throws(() => new KeepFeatures({ keep: [] }), /non-empty/);
});
