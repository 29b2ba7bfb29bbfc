/**
 * VGAN's two-stream composition (Vondrick et al. 2016, "Generating Videos with Scene Dynamics"):
 *
 *   video = mask ⊙ foreground + (1 - mask) ⊙ background
 *
 *   foreground [N, T, H, W, C]   (tanh)
 *   mask       [N, T, H, W, 1]   (sigmoid; broadcast over the C channels)
 *   background [N, H, W, C]      (one still image per clip, broadcast over the T frames)
 *   video      [N, T, H, W, C]
 *
 * Evaluated literally as m·f + (1 - m)·b, so where the mask is exactly 0 the output is bit for bit the
 * background, and where it is exactly 1 bit for bit the foreground.
 *
 * Gradients (written by hand in a tf.customGrad; dy = dL/dvideo):
 *   dL/dforeground = m · dy
 *   dL/dmask       = Σ_c (f - b) · dy          (the sum over channels, as the mask is broadcast over them)
 *   dL/dbackground = Σ_t (1 - m) · dy         (the sum over frames)
 * The two sums are matMuls with a vector of ones (tfjs's own broadcast gradients sum over the outer axes of
 * a rank-5 tensor, which transposes first and is slow on wasm; see models/tganc/fastGradLayers.ts).
 *
 * `MaskComposition` is the same as a tf.layers layer over [foreground, mask, background] (registered with
 * tf.serialization, so models using it save and load). `maskL1Penalty` is VGAN's sparsity prior on the
 * mask: weight · mean |mask| (weight default MASK_L1_WEIGHT = 0.1, VGAN's λ), which pushes the generator
 * to explain what it can with the static background.
 */
import * as tf from '@tensorflow/tfjs';
import { singleShape } from '../tganc/videoLayers.ts';
import type { LayerArgs, Shape } from '../tganc/videoLayers.ts';

/** VGAN's weight of the mask's L1 penalty (λ = 0.1). */
export const MASK_L1_WEIGHT = 0.1;

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws a RangeError unless foreground [N,T,H,W,C], mask [N,T,H,W,1] and background [N,H,W,C] agree. */
export function checkCompositionShapes(
  foreground: readonly (number | null)[],
  mask: readonly (number | null)[],
  background: readonly (number | null)[],
): void {
  const problem = (): RangeError =>
    new RangeError(
      `composeVideo: expected foreground [N, T, H, W, C], mask [N, T, H, W, 1], background [N, H, W, C]; ` +
        `got ${shapeText(foreground)}, ${shapeText(mask)}, ${shapeText(background)}`,
    );
  if (foreground.length !== 5 || mask.length !== 5 || background.length !== 4) throw problem();
  const [n, t, h, w, c] = foreground;
  const same = (a: number | null | undefined, b: number | null | undefined): boolean => a == null || b == null || a === b;
  const ok =
    same(mask[0], n) && same(mask[1], t) && same(mask[2], h) && same(mask[3], w) && mask[4] === 1 &&
    same(background[0], n) && same(background[1], h) && same(background[2], w) && same(background[3], c);
  if (!ok) throw problem();
}

const composition = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [f, m, b, save] = args as [tf.Tensor5D, tf.Tensor5D, tf.Tensor4D, tf.GradSaveFunc];
  const [n, t, h, w, c] = f.shape;
  const b5 = tf.reshape(b, [n, 1, h, w, c]);
  save([f, m, b5]);
  return {
    value: tf.add(tf.mul(m, f), tf.mul(tf.sub(1, m), b5)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [fs, ms, bs] = saved as [tf.Tensor5D, tf.Tensor5D, tf.Tensor5D];
      const dForeground = tf.mul(ms, dy);
      // Σ_c (f - b)·dy: [N·T·H·W, C] x ones [C, 1].
      const weighted = tf.reshape(tf.mul(tf.sub(fs, bs), dy), [n * t * h * w, c]) as tf.Tensor2D;
      const dMask = tf.reshape(tf.matMul(weighted, tf.ones([c, 1])), [n, t, h, w, 1]);
      // Σ_t (1 - m)·dy: ones [N, 1, T] x [N, T, H·W·C] (a batched matMul).
      const kept = tf.reshape(tf.mul(tf.sub(1, ms), dy), [n, t, h * w * c]) as tf.Tensor3D;
      const dBackground = tf.reshape(tf.matMul(tf.ones([n, 1, t]) as tf.Tensor3D, kept), [n, h, w, c]);
      return [dForeground, dMask, dBackground];
    },
  };
});

/** mask·foreground + (1 - mask)·background, the background repeated over time. Differentiable in all three. */
export function composeVideo(foreground: tf.Tensor, mask: tf.Tensor, background: tf.Tensor): tf.Tensor5D {
  checkCompositionShapes(foreground.shape, mask.shape, background.shape);
  return composition(foreground, mask, background) as tf.Tensor5D;
}

/** weight · mean |mask| (VGAN's L1 sparsity penalty; the mean over every element, so size-independent). */
export function maskL1Penalty(mask: tf.Tensor, weight: number = MASK_L1_WEIGHT): tf.Scalar {
  if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`maskL1Penalty: weight must be a finite number >= 0, got ${weight}`);
  return tf.tidy(() => tf.mul(tf.mean(tf.abs(mask)), weight) as tf.Scalar);
}

/** Layer form of composeVideo: inputs [foreground, mask, background], output [N, T, H, W, C]. No weights. */
export class MaskComposition extends tf.layers.Layer {
  static className = 'VganMaskComposition';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 3) {
      throw new Error(`${this.name}: MaskComposition takes [foreground, mask, background], got ${JSON.stringify(inputShape)}`);
    }
    const [f, m, b] = inputShape as Shape[];
    checkCompositionShapes(f!, m!, b!);
    return singleShape(f!);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 3) throw new Error(`${this.name}: MaskComposition takes [foreground, mask, background]`);
    const [f, m, b] = inputs;
    return composeVideo(f!, m!, b!);
  }
}

tf.serialization.registerClass(MaskComposition);
