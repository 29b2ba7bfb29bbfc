/**
 * Writing tfjs kernels out of tfjs ops.
 *
 * A kernelFunc receives TensorInfos and must return TensorInfo(s) owned by the
 * backend. The engine runs kernelFuncs with the gradient tape off
 * (`kernelDepth > 0`), and when a kernelFunc returns a real `tf.Tensor` (it has
 * a `rank`) the engine uses it as the output as is. So a kernel can simply run
 * tf ops inside `tf.tidy` on the active backend and return the resulting
 * Tensor: intermediates are disposed by the tidy, the output survives, and the
 * engine's leak check (`IS_TEST`) balances.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/** A TensorInfo as a Tensor the caller may dispose (shares the data, bumps its ref count). */
export function asTensor(info: TensorInfo): tf.Tensor {
  if (info instanceof tf.Tensor) return info as tf.Tensor;
  // runKernel is typed for Tensors but, like every kernel, only reads the TensorInfo fields.
  return tf.engine().runKernel('Identity', { x: info as tf.Tensor }) as tf.Tensor;
}

export type TensorKernelBody = (inputs: Record<string, tf.Tensor>, attrs: NamedAttrMap) => tf.Tensor;

/** Wraps a body written with tf ops as a kernelFunc. */
export function tensorKernel(body: TensorKernelBody): KernelFunc {
  return ({ inputs, attrs }) =>
    tf.tidy(() => {
      const ts: Record<string, tf.Tensor> = {};
      for (const [name, info] of Object.entries(inputs)) {
        if (info != null) ts[name] = asTensor(info);
      }
      return body(ts, attrs ?? {});
    });
}

/** Stock kernels replaced by `overrideKernel`, keyed `backend/kernel`. */
const stockKernels = new Map<string, KernelConfig | null>();

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}

/** The kernel that was registered before our override (null if there was none). */
export function stockKernel(kernelName: string, backendName: string): KernelConfig | null {
  const k = key(kernelName, backendName);
  return stockKernels.has(k) ? (stockKernels.get(k) ?? null) : (tf.getKernel(kernelName, backendName) ?? null);
}

/**
 * Registers `kernelFunc` for (kernelName, backendName), replacing (and
 * remembering) whatever was registered. The stock setupFunc is kept so that a
 * fallback to the stock kernelFunc still finds its wasm bindings set up when the
 * backend is initialised after this call.
 */
export function overrideKernel(kernelName: string, backendName: string, kernelFunc: KernelFunc): void {
  const k = key(kernelName, backendName);
  const existing = tf.getKernel(kernelName, backendName) ?? null;
  if (!stockKernels.has(k)) stockKernels.set(k, existing);
  const stock = stockKernels.get(k) ?? null;
  if (existing != null) tf.unregisterKernel(kernelName, backendName);
  const config: KernelConfig = { kernelName, backendName, kernelFunc };
  if (stock?.setupFunc != null) config.setupFunc = stock.setupFunc;
  if (stock?.disposeFunc != null) config.disposeFunc = stock.disposeFunc;
  tf.registerKernel(config);
}

/** Puts back the stock kernel (or nothing) replaced by `overrideKernel`. */
export function restoreKernel(kernelName: string, backendName: string): void {
  const k = key(kernelName, backendName);
  if (!stockKernels.has(k)) return;
  if (tf.getKernel(kernelName, backendName) != null) tf.unregisterKernel(kernelName, backendName);
  const stock = stockKernels.get(k) ?? null;
  if (stock != null) tf.registerKernel(stock);
  stockKernels.delete(k);
}
