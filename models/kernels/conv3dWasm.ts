/**
 * wasm kernel for Conv3D (forward). The stock wasm kernel is correct but a
 * naive loop (~0.5 GFLOP/s); this one sums strided XNNPACK conv2d over depth
 * taps. Dilated convolutions fall back to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from '@tensorflow/tfjs';
import { conv3dViaConv2d } from './convAlgorithms.ts';
import { geomFrom3D, unitDilations } from './convGeometry.ts';
import { stockKernel, tensorKernel } from './tensorKernel.ts';

export const CONV3D = 'Conv3D';

const fast: KernelFunc = tensorKernel((inputs, attrs) => {
  const x = inputs['x'] as tf.Tensor5D;
  const filter = inputs['filter'] as tf.Tensor5D;
  const strides = attrs['strides'] as [number, number, number] | number;
  const pad = attrs['pad'] as 'same' | 'valid' | number;
  const info = tf.backend_util.computeConv3DInfo(x.shape, filter.shape, strides, 1, pad);
  return conv3dViaConv2d(x, filter, geomFrom3D(info));
});

export const conv3dWasm: KernelFunc = (args) => {
  const { dilations, dataFormat } = args.attrs ?? {};
  if (!unitDilations(dilations) || (dataFormat != null && dataFormat !== 'NDHWC')) {
    const stock = stockKernel(CONV3D, 'wasm');
    if (stock == null) throw new Error('Conv3D: no stock wasm kernel to fall back to');
    return stock.kernelFunc(args);
  }
  return fast(args);
};
