/**
 * wasm kernel for Conv3DBackpropFilterV2 (conv3d's filter gradient). The stock
 * wasm kernel (tfjs 4.22) returns wrong values; this one is a single dilated
 * XNNPACK conv2d: batch = (C, depth tap), channels = (N, output depth), with
 * dy as the filter (see conv3dBackpropFilterViaConv2d).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from '@tensorflow/tfjs';
import { conv3dBackpropFilterViaConv2d } from './convAlgorithms.ts';
import { geomFrom3D } from './convGeometry.ts';
import { checkOut } from './conv3dBackpropInputWasm.ts';
import { tensorKernel } from './tensorKernel.ts';

export const CONV3D_BACKPROP_FILTER = 'Conv3DBackpropFilterV2';

export const conv3dBackpropFilterWasm: KernelFunc = tensorKernel((inputs, attrs) => {
  const x = inputs['x'] as tf.Tensor5D;
  const dy = inputs['dy'] as tf.Tensor5D;
  const filterShape = attrs['filterShape'] as [number, number, number, number, number];
  const strides = attrs['strides'] as [number, number, number] | number;
  const pad = attrs['pad'] as 'same' | 'valid' | number;
  const info = tf.backend_util.computeConv3DInfo(x.shape, filterShape, strides, 1, pad);
  checkOut(dy.shape, [info.batchSize, info.outDepth, info.outHeight, info.outWidth, info.outChannels], CONV3D_BACKPROP_FILTER);
  return conv3dBackpropFilterViaConv2d(x, dy, geomFrom3D(info));
});
