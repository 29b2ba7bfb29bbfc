/**
 * The stock tfjs 4.22 defects that registerKernelFixes works around, asserted
 * to exist BEFORE registration (so this file fails, and tells us, when an
 * upstream release fixes one) and to be gone after it. Runs in its own process
 * (node --test isolates files), so the stock kernels are pristine here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { runOn, scaledError, seeded, sizeOf, use } from './convTestUtil.ts';

const X = [1, 4, 6, 6, 3];
const W = [4, 4, 4, 3, 5];
const STRIDE = 2;

/** The two stock-broken 3D kernels at stride 2 ('same'), through their ops. */
function conv3dKernels(): tf.Tensor[] {
  const x = tf.tensor5d(seeded(sizeOf(X), 1), X as [number, number, number, number, number]);
  const w = tf.tensor5d(seeded(sizeOf(W), 2), W as [number, number, number, number, number]);
  const dyShape = [1, 2, 3, 3, 5] as [number, number, number, number, number];
  const dy = tf.tensor5d(seeded(sizeOf(dyShape), 3), dyShape);
  return [
    // Conv3DBackpropInputV2
    tf.conv3dTranspose(dy, w, X as [number, number, number, number, number], STRIDE, 'same'),
    // Conv3DBackpropFilterV2
    tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, { strides: [STRIDE, STRIDE, STRIDE], pad: 'same', filterShape: W }) as tf.Tensor,
  ];
}

/** conv2d with 'same' padding and a filter narrower than the stride. */
function conv2dSameSmallFilter(): tf.Tensor[] {
  const x = tf.tensor4d(seeded(36, 4), [1, 4, 9, 1]);
  const w = tf.tensor4d(seeded(16, 5), [1, 2, 1, 8]);
  return [tf.conv2d(x, w, 2, 'same')];
}

test('stock tfjs: conv3dTranspose has no gradient', async () => {
  await use('cpu');
  const x = tf.ones([1, 2, 2, 2, 1]) as tf.Tensor5D;
  const w = tf.ones([2, 2, 2, 1, 1]) as tf.Tensor5D;
  assert.throws(() => tf.grad((a: tf.Tensor) => tf.conv3dTranspose(a as tf.Tensor5D, w, [1, 4, 4, 4, 1], 2, 'same').sum())(x), /gradient/i);
});

test('stock tfjs-backend-wasm: no Conv2DBackpropFilter, so conv2d cannot train', async () => {
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
  await use('wasm');
  const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
  assert.throws(() => tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, 'same').sum())(tf.ones([3, 3, 1, 1])), /Conv2DBackpropFilter/);
});

test('stock tfjs-backend-wasm: Conv3DBackpropInputV2 and Conv3DBackpropFilterV2 are wrong at stride 2', async () => {
  const cpu = await runOn('cpu', conv3dKernels);
  const wasm = await runOn('wasm', conv3dKernels);
  const errInput = scaledError(wasm[0]!, cpu[0]!);
  const errFilter = scaledError(wasm[1]!, cpu[1]!);
  console.log(`stock wasm scaled errors: Conv3DBackpropInputV2 ${errInput.toFixed(3)}, Conv3DBackpropFilterV2 ${errFilter.toFixed(3)}`);
  assert.ok(errInput > 1e-2, `stock Conv3DBackpropInputV2 now agrees with cpu (${errInput}): upstream fixed it?`);
  assert.ok(errFilter > 1e-2, `stock Conv3DBackpropFilterV2 now agrees with cpu (${errFilter}): upstream fixed it?`);
});

test("stock tfjs-backend-wasm: Conv2D with 'same' padding and filter < stride is wrong", async () => {
  const cpu = await runOn('cpu', conv2dSameSmallFilter);
  const wasm = await runOn('wasm', conv2dSameSmallFilter);
  const err = scaledError(wasm[0]!, cpu[0]!);
  assert.ok(err > 1e-2, `stock Conv2D now agrees with cpu (${err}): upstream fixed it?`);
});

test('after registerKernelFixes all of the above agree with cpu', async () => {
  registerKernelFixes();
  assert.notEqual(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
  for (const fn of [conv3dKernels, conv2dSameSmallFilter]) {
    const cpu = await runOn('cpu', fn);
    const wasm = await runOn('wasm', fn);
    cpu.forEach((ref, i) => {
      const err = scaledError(wasm[i]!, ref);
      assert.ok(err <= 1e-4, `${fn.name}[${i}] scaled error ${err}`);
    });
  }
  await use('cpu');
  const g = tf.grad((a: tf.Tensor) => tf.conv3dTranspose(a as tf.Tensor5D, tf.ones([2, 2, 2, 1, 1]) as tf.Tensor5D, [1, 4, 4, 4, 1], 2, 'same').sum())(tf.ones([1, 2, 2, 2, 1]));
  assert.deepEqual(Array.from(g.dataSync()), [8, 8, 8, 8, 8, 8, 8, 8]);
});
