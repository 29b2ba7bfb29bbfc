/**
 * Gradient of Conv3DBackpropInputV2 (the kernel behind conv3dTranspose),
 * missing from tfjs-core 4.22. The kernel is linear in dy and in the filter:
 *   dx = A_w^T dy, with A_w = conv3d(., w)
 * so, given ddx = dL/d(dx):
 *   dL/d(dy) = conv3d(ddx, w)
 *   dL/d(w)  = Conv3DBackpropFilterV2(x = ddx, dy = dy)
 * Registered globally (all backends).
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig } from '@tensorflow/tfjs';

export const conv3dBackpropInputGradConfig: GradConfig = {
  kernelName: 'Conv3DBackpropInputV2',
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
    const g = ddx as tf.Tensor5D;
    const strides = attrs['strides'] as [number, number, number] | number;
    const pad = attrs['pad'] as 'same' | 'valid';
    return {
      dy: () => tf.conv3d(g, filter, strides, pad),
      filter: () =>
        tf.engine().runKernel('Conv3DBackpropFilterV2', { x: g, dy }, { strides, pad, filterShape: filter.shape }) as tf.Tensor5D,
    };
  },
};
