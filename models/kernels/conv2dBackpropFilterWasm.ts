/**
 * wasm kernel for Conv2DBackpropFilter (conv2d's filter gradient; also
 * conv2dTranspose's filter gradient). tfjs-backend-wasm 4.22 registers none,
 * so conv2d cannot train on wasm as shipped. Same algorithm as the 3D filter
 * gradient (space-to-depth + one matMul per tap group) with a unit depth.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from '@tensorflow/tfjs';
import { conv3dBackpropFilterViaConv2d } from './convAlgorithms.ts';
import { geomFrom2D } from './convGeometry.ts';
import { checkOut } from './conv3dBackpropInputWasm.ts';
import { tensorKernel } from './tensorKernel.ts';

export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

type Pad2D = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

export const conv2dBackpropFilterWasm: KernelFunc = tensorKernel((inputs, attrs) => {
  let x = inputs['x'] as tf.Tensor4D;
  let dy = inputs['dy'] as tf.Tensor4D;
  const filterShape = attrs['filterShape'] as [number, number, number, number];
  const strides = attrs['strides'] as [number, number] | number;
  let pad = attrs['pad'] as Pad2D;
  const dimRoundingMode = attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined;
  if (attrs['dataFormat'] === 'NCHW') {
    x = x.transpose([0, 2, 3, 1]);
    dy = dy.transpose([0, 2, 3, 1]);
    if (Array.isArray(pad)) pad = nchwPadToNhwc(pad);
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  checkOut(dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels], CONV2D_BACKPROP_FILTER);
  const [n, h, w, c] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const dw = conv3dBackpropFilterViaConv2d(x.reshape([n, 1, h, w, c]), dy.reshape([n, 1, ho, wo, co]), geomFrom2D(info));
  return dw.reshape(filterShape);
});

/** Explicit paddings are given per axis of the data format: reorder NCHW's to NHWC. */
export function nchwPadToNhwc(pad: tf.backend_util.ExplicitPadding): tf.backend_util.ExplicitPadding {
  const p = pad as unknown as [number, number][];
  return [p[0]!, p[2]!, p[3]!, p[1]!] as unknown as tf.backend_util.ExplicitPadding;
}
