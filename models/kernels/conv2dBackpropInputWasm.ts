/**
 * wasm kernel for Conv2DBackpropInput (conv2dTranspose's forward pass and
 * conv2d's input gradient). The stock wasm kernel is a direct loop
 * (~2.4 GFLOP/s); this one is the 3D sub-pixel decomposition with a unit depth:
 * one stride-1 XNNPACK conv2d producing all stride phases, then depth-to-space.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from '@tensorflow/tfjs';
import { conv3dBackpropInputViaConv2d } from './convAlgorithms.ts';
import { geomFrom2D } from './convGeometry.ts';
import { checkOut } from './conv3dBackpropInputWasm.ts';
import { nchwPadToNhwc } from './conv2dBackpropFilterWasm.ts';
import { tensorKernel } from './tensorKernel.ts';

export const CONV2D_BACKPROP_INPUT = 'Conv2DBackpropInput';

type Pad2D = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

export const conv2dBackpropInputWasm: KernelFunc = tensorKernel((inputs, attrs) => {
  let dy = inputs['dy'] as tf.Tensor4D;
  const filter = inputs['filter'] as tf.Tensor4D;
  let inputShape = attrs['inputShape'] as [number, number, number, number];
  const strides = attrs['strides'] as [number, number] | number;
  let pad = attrs['pad'] as Pad2D;
  const dimRoundingMode = attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined;
  const nchw = attrs['dataFormat'] === 'NCHW';
  if (nchw) {
    dy = dy.transpose([0, 2, 3, 1]);
    inputShape = [inputShape[0], inputShape[2], inputShape[3], inputShape[1]];
    if (Array.isArray(pad)) pad = nchwPadToNhwc(pad);
  }
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  checkOut(dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels], CONV2D_BACKPROP_INPUT);
  const [n, ho, wo, co] = dy.shape;
  const [kh, kw, c] = filter.shape;
  const dx = conv3dBackpropInputViaConv2d(dy.reshape([n, 1, ho, wo, co]), filter.reshape([1, kh, kw, c, co]), geomFrom2D(info)).reshape(inputShape);
  return nchw ? dx.transpose([0, 3, 1, 2]) : dx;
});
