/**
 * Every convolution kernel the GANs use, on wasm (with registerKernelFixes)
 * against the cpu backend: conv2d, conv3d, conv2dTranspose, conv3dTranspose,
 * each forward and both gradients (input and filter), through tf.grads of
 * sum(op(x, w) * r). Shapes: strides 1, 2 and mixed, pads 'same' / 'valid',
 * odd sizes, batch 1 and 2, channels 1..8, kernels 1..4.
 * Criterion: max |wasm - cpu| <= 1e-4 * max(1, max |cpu|) for every output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { runOn, scaledError, seeded, sizeOf } from './convTestUtil.ts';

registerKernelFixes();

const TOL = 1e-4;

type Pad = 'same' | 'valid';

interface Case {
  x: number[]; // NHWC or NDHWC
  k: number[]; // filter spatial sizes
  cout: number;
  strides: number[];
  pad: Pad;
}

const label = (c: Case): string => `x[${c.x}] k[${c.k}] cout ${c.cout} s[${c.strides}] ${c.pad}`;

function outShape(c: Case): number[] {
  const cin = c.x[c.x.length - 1]!;
  if (c.x.length === 5) {
    const info = tf.backend_util.computeConv3DInfo(c.x as [number, number, number, number, number], [...c.k, cin, c.cout] as [number, number, number, number, number], c.strides as [number, number, number], 1, c.pad);
    return info.outShape;
  }
  const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], [...c.k, cin, c.cout] as [number, number, number, number], c.strides as [number, number], 1, c.pad);
  return info.outShape;
}

const NAMES = ['conv forward', 'conv d/dx', 'conv d/dfilter', 'transpose forward', 'transpose d/dinput', 'transpose d/dfilter'];

/** [y, dx, dw] of the convolution and [y, dinput, dw] of the transposed convolution with the same filter. */
function compute(c: Case, seed: number): tf.Tensor[] {
  const cin = c.x[c.x.length - 1]!;
  const wShape = [...c.k, cin, c.cout];
  const oShape = outShape(c);
  const x = tf.tensor(seeded(sizeOf(c.x), seed), c.x);
  const w = tf.tensor(seeded(sizeOf(wShape), seed + 1), wShape);
  const r = tf.tensor(seeded(sizeOf(oShape), seed + 2), oShape);
  const t = tf.tensor(seeded(sizeOf(oShape), seed + 3), oShape);
  const rt = tf.tensor(seeded(sizeOf(c.x), seed + 4), c.x);
  const three = c.x.length === 5;
  const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
    three
      ? tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides as [number, number, number], c.pad)
      : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides as [number, number], c.pad);
  const convT = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
    three
      ? tf.conv3dTranspose(a as tf.Tensor5D, b as tf.Tensor5D, c.x as [number, number, number, number, number], c.strides as [number, number, number], c.pad)
      : tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x as [number, number, number, number], c.strides as [number, number], c.pad);
  const y = conv(x, w);
  const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a, b).mul(r).sum())([x, w]);
  const yt = convT(t, w);
  const [gt, gwt] = tf.grads((a: tf.Tensor, b: tf.Tensor) => convT(a, b).mul(rt).sum())([t, w]);
  return [y, gx!, gw!, yt, gt!, gwt!];
}

function cases3d(): Case[] {
  const xs = [
    [1, 3, 5, 7, 2],
    [2, 4, 4, 4, 3],
    [1, 2, 5, 5, 1],
    [2, 5, 3, 6, 8],
  ];
  const ks = [
    [3, 3, 3],
    [4, 4, 4],
    [2, 2, 2],
    [1, 3, 2],
    [2, 1, 1],
  ];
  const strides = [[1, 1, 1], [2, 2, 2], [1, 2, 2], [2, 1, 2]];
  const out: Case[] = [];
  let i = 0;
  for (const x of xs) {
    for (const k of ks) {
      for (const s of strides) {
        for (const pad of ['same', 'valid'] as const) {
          const cout = [1, 4, 8, 3, 5, 2, 7, 6][i++ % 8]!;
          out.push({ x, k, cout, strides: s, pad });
        }
      }
    }
  }
  return out;
}

function cases2d(): Case[] {
  const xs = [
    [1, 5, 7, 2],
    [2, 8, 8, 3],
    [1, 4, 9, 1],
    [2, 7, 5, 8],
  ];
  const ks = [
    [3, 3],
    [4, 4],
    [5, 5],
    [1, 2],
    [2, 3],
  ];
  const strides = [[1, 1], [2, 2], [1, 2], [3, 3]];
  const out: Case[] = [];
  let i = 0;
  for (const x of xs) {
    for (const k of ks) {
      for (const s of strides) {
        for (const pad of ['same', 'valid'] as const) {
          const cout = [3, 1, 8, 5, 2, 6, 4, 7][i++ % 8]!;
          out.push({ x, k, cout, strides: s, pad });
        }
      }
    }
  }
  return out;
}

/** A case is usable if its 'valid' output is not empty. */
const nonEmpty = (c: Case): boolean => outShape(c).every((d) => d > 0);

const worst = new Map<string, { err: number; where: string }>();

async function runFamily(name: string, cases: Case[]): Promise<void> {
  const failures: string[] = [];
  let n = 0;
  for (const [i, c] of cases.filter(nonEmpty).entries()) {
    const cpu = await runOn('cpu', () => compute(c, 1000 + i));
    const wasm = await runOn('wasm', () => compute(c, 1000 + i));
    for (let j = 0; j < NAMES.length; j++) {
      const err = scaledError(wasm[j]!, cpu[j]!);
      const key = `${name} ${NAMES[j]}`;
      const prev = worst.get(key);
      if (prev == null || err > prev.err) worst.set(key, { err, where: label(c) });
      if (!(err <= TOL)) failures.push(`${NAMES[j]} ${label(c)}: scaled error ${err}`);
    }
    n++;
  }
  assert.ok(n >= 40, `only ${n} usable cases`);
  assert.deepEqual(failures, [], failures.slice(0, 10).join('\n'));
}

test('conv3d and conv3dTranspose: forward and both gradients, wasm vs cpu', async () => {
  await runFamily('3D', cases3d());
});

test('conv2d and conv2dTranspose: forward and both gradients, wasm vs cpu', async () => {
  await runFamily('2D', cases2d());
});

test('GAN-like layers (kernel 4, stride 2, many channels), wasm vs cpu', async () => {
  const failures: string[] = [];
  const layers: Case[] = [
    { x: [2, 4, 8, 8, 32], k: [4, 4, 4], cout: 48, strides: [2, 2, 2], pad: 'same' },
    { x: [2, 2, 8, 8, 16], k: [4, 4, 4], cout: 24, strides: [1, 2, 2], pad: 'same' },
    { x: [2, 16, 16, 24], k: [4, 4], cout: 32, strides: [2, 2], pad: 'same' },
  ];
  for (const [i, c] of layers.entries()) {
    const cpu = await runOn('cpu', () => compute(c, 500 + i));
    const wasm = await runOn('wasm', () => compute(c, 500 + i));
    NAMES.forEach((name, j) => {
      const err = scaledError(wasm[j]!, cpu[j]!);
      if (!(err <= TOL)) failures.push(`${name} ${label(c)}: scaled error ${err}`);
    });
  }
  assert.deepEqual(failures, []);
});

test('2D backprop kernels with NCHW data format and explicit padding, wasm vs cpu', async () => {
  const failures: string[] = [];
  const specs = [
    { x: [2, 7, 5, 3], k: [3, 3, 3, 4], strides: [2, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]], nchw: false },
    { x: [1, 6, 6, 2], k: [4, 4, 2, 5], strides: [2, 2], pad: 'same', nchw: true },
    { x: [2, 5, 7, 3], k: [3, 2, 3, 2], strides: [1, 2], pad: [[0, 0], [0, 0], [2, 1], [1, 0]], nchw: true },
  ] as const;
  for (const [i, sp] of specs.entries()) {
    const pad = (sp.nchw && Array.isArray(sp.pad) ? [sp.pad[0], sp.pad[3], sp.pad[1], sp.pad[2]] : sp.pad) as tf.backend_util.ExplicitPadding | 'same';
    const xNhwc = [...sp.x] as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(xNhwc, [...sp.k] as [number, number, number, number], [...sp.strides] as [number, number], 1, sp.pad as tf.backend_util.ExplicitPadding | 'same');
    const toFmt = (s: number[]): number[] => (sp.nchw ? [s[0]!, s[3]!, s[1]!, s[2]!] : s);
    const xShape = toFmt(xNhwc);
    const dyShape = toFmt(info.outShape);
    const attrs = { strides: [...sp.strides], pad, dataFormat: sp.nchw ? 'NCHW' : 'NHWC' };
    const run = (): tf.Tensor[] => {
      const x = tf.tensor(seeded(sizeOf(xShape), 50 + i), xShape);
      const dy = tf.tensor(seeded(sizeOf(dyShape), 60 + i), dyShape);
      const w = tf.tensor(seeded(sizeOf(sp.k), 70 + i), [...sp.k]);
      const eng = tf.engine();
      return [
        eng.runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [...sp.k] }) as tf.Tensor,
        eng.runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }) as tf.Tensor,
      ];
    };
    const cpu = await runOn('cpu', run);
    const wasm = await runOn('wasm', run);
    ['Conv2DBackpropFilter', 'Conv2DBackpropInput'].forEach((k, j) => {
      const err = scaledError(wasm[j]!, cpu[j]!);
      if (!(err <= TOL)) failures.push(`${k} spec ${i}: scaled error ${err}`);
    });
  }
  assert.deepEqual(failures, []);
});

test('wasm vs cpu report (worst scaled error per kernel)', () => {
  console.log([...worst].map(([k, v]) => `${k}: ${v.err.toExponential(2)} (${v.where})`).join('\n'));
});
