/**
 * wasm kernel for Conv3DBackpropInputV2 (conv3dTranspose's forward pass and
 * conv3d's input gradient). The stock wasm kernel (tfjs 4.22) returns wrong
 * values at every stride (a 1x1x1 filter only fills the first depth slice; see
 * test/models/kernels/stockWasmBugs.test.ts); this one computes the transposed
 * convolution by sub-pixel decomposition into stride-1 XNNPACK conv2d.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from '@tensorflow/tfjs';
import { conv3dBackpropInputViaConv2d } from './convAlgorithms.ts';
import { geomFrom3D } from './convGeometry.ts';
import { tensorKernel } from './tensorKernel.ts';

export const CONV3D_BACKPROP_INPUT = 'Conv3DBackpropInputV2';

export const conv3dBackpropInputWasm: KernelFunc = tensorKernel((inputs, attrs) => {
  const dy = inputs['dy'] as tf.Tensor5D;
  const filter = inputs['filter'] as tf.Tensor5D;
  const inputShape = attrs['inputShape'] as [number, number, number, number, number];
  const strides = attrs['strides'] as [number, number, number] | number;
  const pad = attrs['pad'] as 'same' | 'valid' | number;
  const info = tf.backend_util.computeConv3DInfo(inputShape, filter.shape, strides, 1, pad);
  checkOut(dy.shape, [info.batchSize, info.outDepth, info.outHeight, info.outWidth, info.outChannels], CONV3D_BACKPROP_INPUT);
  return conv3dBackpropInputViaConv2d(dy, filter, geomFrom3D(info));
});

export function checkOut(got: readonly number[], want: readonly number[], what: string): void {
  if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
    throw new Error(`${what}: dy shape [${got.join(',')}] does not match the convolution output [${want.join(',')}]`);
  }
}
