/**
 * wasm Conv2D and FusedConv2D with 'same' padding where a (dilated) filter is
 * smaller than its stride along an axis: the stock kernels pass XNNPACK its
 * TensorFlow-SAME flag, and for these shapes the result is wrong (often all
 * zeros; 260 of 1323 small 'same' cases checked, none with 'valid'). Here such
 * calls get explicit zero padding and 'valid'; every other call goes straight
 * to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { stockKernel } from './tensorKernel.ts';

export const CONV2D = 'Conv2D';
export const FUSED_CONV2D = 'FusedConv2D';

type Pad2D = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

function samePadFix(kernelName: string): KernelFunc {
  return (args) => {
    const stock = stockKernel(kernelName, 'wasm');
    if (stock == null) throw new Error(`${kernelName}: no stock wasm kernel`);
    const x = args.inputs['x'] as TensorInfo;
    const filter = args.inputs['filter'] as TensorInfo;
    const a = args.attrs ?? {};
    if (a['dataFormat'] === 'NCHW') return stock.kernelFunc(args); // the stock kernel rejects it
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      a['strides'] as [number, number] | number,
      (a['dilations'] ?? 1) as [number, number] | number,
      a['pad'] as Pad2D,
      a['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    );
    const broken =
      info.padInfo.type === 'SAME' && (info.effectiveFilterHeight < info.strideHeight || info.effectiveFilterWidth < info.strideWidth);
    if (!broken) return stock.kernelFunc(args);
    const { top, bottom, left, right } = info.padInfo;
    const xp = tf.engine().runKernel('PadV2', { x: x as tf.Tensor }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 }) as tf.Tensor;
    try {
      return stock.kernelFunc({ ...args, inputs: { ...args.inputs, x: xp }, attrs: { ...a, pad: 'valid' } });
    } finally {
      xp.dispose();
    }
  };
}

export const conv2dSamePadWasm: KernelFunc = samePadFix(CONV2D);
export const fusedConv2dSamePadWasm: KernelFunc = samePadFix(FUSED_CONV2D);
