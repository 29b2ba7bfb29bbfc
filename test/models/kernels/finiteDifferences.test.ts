/**
 * Gradients checked against central finite differences in float32:
 * - conv3dTranspose w.r.t. x and filter (the gradient registered for
 *   Conv3DBackpropInputV2), on cpu and on wasm;
 * - conv2d w.r.t. its filter on wasm (the Conv2DBackpropFilter wasm kernel).
 *
 * Objective: f(x, w) = sum(op(x, w) * r), r a fixed random tensor. f is
 * bilinear, so central differences have no truncation error; float32 rounding
 * is kept small by summing op's float32 output times r in float64 in JS.
 * eps = 1e-2. Error: max |fd - autodiff| / max |autodiff| over all entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { maxAbs, maxAbsDiff, seeded, sizeOf, use, type Backend } from './convTestUtil.ts';

registerKernelFixes();

const EPS = 1e-2;
// Measured errors are ~1e-5; the brief allows 1e-2, 1e-3 still leaves a wide margin.
const TOL = 1e-3;

type Op = (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

interface FdResult {
  errX: number;
  errW: number;
}

/** Gradient of sum(op(x, w) * r) w.r.t. the arguments listed in `wrt`, by autodiff and finite differences. */
async function check(backend: Backend, op: Op, xShape: number[], wShape: number[], seed: number, wrt: ('x' | 'w')[]): Promise<FdResult> {
  await use(backend);
  const x0 = seeded(sizeOf(xShape), seed);
  const w0 = seeded(sizeOf(wShape), seed + 1);
  const outShape = tf.tidy(() => op(tf.tensor(x0, xShape), tf.tensor(w0, wShape)).shape);
  const r = seeded(sizeOf(outShape), seed + 2);

  const [gx, gw] = tf.tidy(() =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) => op(x, w).mul(tf.tensor(r, outShape)).sum())([tf.tensor(x0, xShape), tf.tensor(w0, wShape)]),
  ) as [tf.Tensor, tf.Tensor];
  const adX = gx.dataSync().slice();
  const adW = gw.dataSync().slice();
  gx.dispose();
  gw.dispose();

  const f = (x: Float32Array, w: Float32Array): number => {
    const y = tf.tidy(() => op(tf.tensor(x, xShape), tf.tensor(w, wShape)));
    const v = y.dataSync();
    y.dispose();
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * r[i]!;
    return s;
  };
  const fd = (which: 'x' | 'w'): Float64Array => {
    const base = which === 'x' ? x0 : w0;
    const g = new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const p = base.slice();
      const m = base.slice();
      p[i] = base[i]! + EPS;
      m[i] = base[i]! - EPS;
      const fp = which === 'x' ? f(p, w0) : f(x0, p);
      const fm = which === 'x' ? f(m, w0) : f(x0, m);
      // Divide by the perturbation actually applied in float32.
      g[i] = (fp - fm) / (p[i]! - m[i]!);
    }
    return g;
  };
  const rel = (a: ArrayLike<number>, b: ArrayLike<number>): number => maxAbsDiff(a, b) / Math.max(maxAbs(b), 1e-12);
  return {
    errX: wrt.includes('x') ? rel(fd('x'), adX) : 0,
    errW: wrt.includes('w') ? rel(fd('w'), adW) : 0,
  };
}

const report: string[] = [];

for (const backend of ['cpu', 'wasm'] as const) {
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      test(`conv3dTranspose gradients (x and filter) match finite differences on ${backend}, stride ${stride}, ${pad}`, async () => {
        const xShape = [1, 2, 3, 3, 2];
        const cOut = 3;
        const wShape = [3, 3, 3, cOut, 2];
        const [, d, h, w] = xShape as [number, number, number, number, number];
        const grow = (n: number): number => (pad === 'same' ? n * stride : (n - 1) * stride + 3);
        const outShape: [number, number, number, number, number] = [1, grow(d), grow(h), grow(w), cOut];
        const op: Op = (x, wt) => tf.conv3dTranspose(x as tf.Tensor5D, wt as tf.Tensor5D, outShape, stride, pad);
        const { errX, errW } = await check(backend, op, xShape, wShape, 10 * stride + (pad === 'same' ? 1 : 2), ['x', 'w']);
        report.push(`conv3dTranspose ${backend} s${stride} ${pad}: rel err dx ${errX.toExponential(2)}, dw ${errW.toExponential(2)}`);
        assert.ok(errX < TOL, `d/dx relative error ${errX}`);
        assert.ok(errW < TOL, `d/dfilter relative error ${errW}`);
      });
    }
  }
}

for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    test(`conv2d filter gradient (wasm Conv2DBackpropFilter) matches finite differences, stride ${stride}, ${pad}`, async () => {
      const xShape = [2, 5, 7, 3];
      const wShape = [3, 3, 3, 4];
      const op: Op = (x, wt) => tf.conv2d(x as tf.Tensor4D, wt as tf.Tensor4D, stride, pad);
      const { errW } = await check('wasm', op, xShape, wShape, 100 + stride, ['w']);
      report.push(`conv2d wasm s${stride} ${pad}: rel err dw ${errW.toExponential(2)}`);
      assert.ok(errW < TOL, `d/dfilter relative error ${errW}`);
    });
  }
}

test('finite-difference report', () => {
  console.log(report.join('\n'));
});
