/**
 * Fixes for tfjs 4.22 convolution kernels used by the video GANs.
 *
 * - Gradient of Conv3DBackpropInputV2 (conv3dTranspose), missing in tfjs-core:
 *   registered globally, for every backend.
 * - wasm kernels:
 *   - Conv2DBackpropFilter: not registered by tfjs-backend-wasm (conv2d could
 *     not train on wasm);
 *   - Conv3DBackpropInputV2, Conv3DBackpropFilterV2: the stock wasm kernels
 *     return wrong values; replaced by correct ones built on XNNPACK conv2d;
 *   - Conv2D, FusedConv2D: the stock kernels are wrong with 'same' padding
 *     when a filter is smaller than its stride; those calls are given
 *     explicit padding, all others go to the stock kernels;
 *   - Conv3D and Conv2DBackpropInput: stock kernels are correct but slow
 *     direct loops; replaced by faster ones (on by default, see options).
 *
 * Importing this module imports '@tensorflow/tfjs-backend-wasm' so its stock
 * kernels are registered before they are overridden (otherwise importing the
 * wasm package later would silently re-register the stock kernels over ours).
 * Works whether the wasm backend is initialised before or after the call.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { KernelFunc } from '@tensorflow/tfjs';
import { CONV2D_BACKPROP_FILTER, conv2dBackpropFilterWasm } from './conv2dBackpropFilterWasm.ts';
import { CONV2D, conv2dSamePadWasm, FUSED_CONV2D, fusedConv2dSamePadWasm } from './conv2dSamePadWasm.ts';
import { CONV2D_BACKPROP_INPUT, conv2dBackpropInputWasm } from './conv2dBackpropInputWasm.ts';
import { CONV3D_BACKPROP_FILTER, conv3dBackpropFilterWasm } from './conv3dBackpropFilterWasm.ts';
import { CONV3D_BACKPROP_INPUT, conv3dBackpropInputWasm } from './conv3dBackpropInputWasm.ts';
import { conv3dBackpropInputGradConfig } from './conv3dTransposeGrad.ts';
import { CONV3D, conv3dWasm } from './conv3dWasm.ts';
import { overrideKernel, restoreKernel } from './tensorKernel.ts';

export interface KernelFixOptions {
  /** Replace the (correct but slow) stock wasm Conv3D. Default true. */
  fastConv3d?: boolean;
  /** Replace the (correct but slow) stock wasm Conv2DBackpropInput. Default true. */
  fastConv2dBackpropInput?: boolean;
}

export interface KernelFixReport {
  /** Kernel names whose gradient this module registered. */
  gradients: string[];
  /** wasm kernel names currently provided by this module. */
  wasmKernels: string[];
}

const WASM = 'wasm';
let gradientRegistered = false;
const active = new Set<string>();

function ensureWasm(name: string, fn: KernelFunc): void {
  if (active.has(name)) return;
  overrideKernel(name, WASM, fn);
  active.add(name);
}

/**
 * Registers the gradient and wasm kernels described above. Idempotent: calling
 * it again registers nothing twice (it only adds kernels newly enabled by
 * options). Returns what is in place.
 */
export function registerKernelFixes(options: KernelFixOptions = {}): KernelFixReport {
  if (!gradientRegistered && tf.getGradient(conv3dBackpropInputGradConfig.kernelName) == null) {
    tf.registerGradient(conv3dBackpropInputGradConfig);
    gradientRegistered = true;
  }
  ensureWasm(CONV2D_BACKPROP_FILTER, conv2dBackpropFilterWasm);
  ensureWasm(CONV3D_BACKPROP_INPUT, conv3dBackpropInputWasm);
  ensureWasm(CONV3D_BACKPROP_FILTER, conv3dBackpropFilterWasm);
  ensureWasm(CONV2D, conv2dSamePadWasm);
  ensureWasm(FUSED_CONV2D, fusedConv2dSamePadWasm);
  if (options.fastConv3d ?? true) ensureWasm(CONV3D, conv3dWasm);
  if (options.fastConv2dBackpropInput ?? true) ensureWasm(CONV2D_BACKPROP_INPUT, conv2dBackpropInputWasm);
  return kernelFixReport();
}

export function kernelFixReport(): KernelFixReport {
  return {
    gradients: gradientRegistered ? [conv3dBackpropInputGradConfig.kernelName] : [],
    wasmKernels: [...active].sort(),
  };
}

/**
 * Puts the stock wasm kernels back (and removes the gradient if this module
 * registered it). For tests and benchmarks that compare against stock tfjs.
 */
export function unregisterKernelFixes(): void {
  for (const name of active) restoreKernel(name, WASM);
  active.clear();
  if (gradientRegistered) {
    tf.unregisterGradient(conv3dBackpropInputGradConfig.kernelName);
    gradientRegistered = false;
  }
}
