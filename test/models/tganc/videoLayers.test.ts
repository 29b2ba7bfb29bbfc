/** Shape layers: RepeatOverMap (FoldTime, UnfoldTime, TemporalDifference are covered in networks.test.ts). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { RepeatOverMap } from '../../../models/tganc/videoLayers.ts';

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
