/**
 * registerKernelFixes: idempotence, undo, registration before the wasm backend
 * exists (stock fallbacks keep their setup), no leaked tensors or backend data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { kernelFixReport, registerKernelFixes, unregisterKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { runOn, scaledError, seeded, sizeOf, use } from './convTestUtil.ts';

// Registered before any backend is initialised (tf.engine().registry is empty so far).
const initiallyInitialised = Object.keys(tf.engine().registry);
const first = registerKernelFixes();

const ALL_WASM = ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Conv3D', 'Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2', 'FusedConv2D'];

test('registration happened before the wasm backend was initialised', () => {
  assert.ok(!initiallyInitialised.includes('wasm'), `wasm already initialised: ${initiallyInitialised.join(',')}`);
  assert.deepEqual(first.gradients, ['Conv3DBackpropInputV2']);
  assert.deepEqual(first.wasmKernels, ALL_WASM);
});

test('kernels registered before backend init work, and the stock fallback (dilated Conv3D) still has its setup', async () => {
  const x = [1, 5, 6, 6, 2] as [number, number, number, number, number];
  const w = [2, 2, 2, 2, 3] as [number, number, number, number, number];
  const run = (): tf.Tensor[] => {
    const xt = tf.tensor5d(seeded(sizeOf(x), 1), x);
    const wt = tf.tensor5d(seeded(sizeOf(w), 2), w);
    return [tf.conv3d(xt, wt, 1, 'valid', 'NDHWC', 2), tf.conv3d(xt, wt, 2, 'same')];
  };
  const cpu = await runOn('cpu', run);
  const wasm = await runOn('wasm', run);
  assert.ok(scaledError(wasm[0]!, cpu[0]!) <= 1e-4, 'dilated conv3d (stock fallback)');
  assert.ok(scaledError(wasm[1]!, cpu[1]!) <= 1e-4, 'conv3d (replacement)');
});

test('registerKernelFixes is idempotent', () => {
  const kernelsBefore = tf.getKernelsForBackend('wasm').length;
  const again = registerKernelFixes();
  assert.deepEqual(again, first);
  assert.equal(tf.getKernelsForBackend('wasm').length, kernelsBefore);
  assert.deepEqual(kernelFixReport(), first);
});

test('options leave the correct-but-slow stock kernels in place', () => {
  unregisterKernelFixes();
  const r = registerKernelFixes({ fastConv3d: false, fastConv2dBackpropInput: false });
  assert.deepEqual(r.wasmKernels, ['Conv2D', 'Conv2DBackpropFilter', 'Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2', 'FusedConv2D']);
  unregisterKernelFixes();
  registerKernelFixes();
  assert.deepEqual(kernelFixReport().wasmKernels, ALL_WASM);
});

test('unregisterKernelFixes restores the stock kernels and gradient registry', async () => {
  const fixed = tf.getKernel('Conv3DBackpropInputV2', 'wasm');
  unregisterKernelFixes();
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
  assert.notEqual(tf.getKernel('Conv3DBackpropInputV2', 'wasm')?.kernelFunc, fixed?.kernelFunc);
  assert.equal(tf.getGradient('Conv3DBackpropInputV2'), undefined);
  assert.deepEqual(kernelFixReport(), { gradients: [], wasmKernels: [] });
  registerKernelFixes();
  assert.equal(tf.getKernel('Conv3DBackpropInputV2', 'wasm')?.kernelFunc, fixed?.kernelFunc);
  assert.notEqual(tf.getGradient('Conv3DBackpropInputV2'), undefined);
});

test('no leaks: engine kernel leak check (IS_TEST) passes and tensor count is stable', async () => {
  await use('wasm');
  const wasIsTest = tf.env().getBool('IS_TEST');
  tf.env().set('IS_TEST', true);
  try {
    const x = tf.tensor5d(seeded(2 * 4 * 6 * 6 * 3, 7), [2, 4, 6, 6, 3]);
    const w = tf.tensor5d(seeded(4 * 4 * 4 * 3 * 5, 8), [4, 4, 4, 3, 5]);
    const x2 = tf.tensor4d(seeded(2 * 7 * 9 * 3, 9), [2, 7, 9, 3]);
    const w2 = tf.tensor4d(seeded(3 * 3 * 3 * 4, 10), [3, 3, 3, 4]);
    const step = (): void => {
      tf.tidy(() => {
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 2, 'same').square().sum())([x, w]);
        const [gy, gw2] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.conv3dTranspose(a as tf.Tensor5D, b as tf.Tensor5D, [2, 4, 6, 6, 3], 2, 'same').square().sum(),
        )([tf.conv3d(x, w, 2, 'same'), w]);
        const [g2x, g2w] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').square().sum())([x2, w2]);
        for (const t of [gx, gw, gy, gw2, g2x, g2w]) assert.ok(Number.isFinite(t!.sum().dataSync()[0]!));
      });
    };
    step();
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(tf.engine().backend.numDataIds(), dataIds);
  } finally {
    tf.env().set('IS_TEST', wasIsTest);
  }
});

test('the conv3dTranspose gradient is registered for every backend', async () => {
  for (const b of ['cpu', 'wasm'] as const) {
    await use(b);
    const g = tf.tidy(() =>
      tf.grad((a: tf.Tensor) => tf.conv3dTranspose(a as tf.Tensor5D, tf.ones([2, 2, 2, 1, 1]) as tf.Tensor5D, [1, 4, 4, 4, 1], 2, 'same').sum())(tf.ones([1, 2, 2, 2, 1])),
    );
    assert.deepEqual(Array.from(g.dataSync()), [8, 8, 8, 8, 8, 8, 8, 8], b);
    g.dispose();
  }
});
