/**
 * The frames of each clip the frame and motion discriminators see at a training step (TganArgs
 * `frameSamples`, `motionWindow`): the frame discriminator a random set of frames per clip, the motion
 * discriminator a window of consecutive frames at a random start. Seeded by the model seed and the
 * step, so a resumed run picks the same frames.
 *
 * The frames are taken with a one-hot matrix product rather than tf.gather: gather's gradient
 * (UnsortedSegmentSum) is not registered on the wasm backend, and the generator step needs the gradient
 * with respect to the generated clips.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../utils/random.ts';
import { matMulPlainGrad } from '../text/textLayers.ts';
import { deriveSeed } from './seeds.ts';

/** Frame indices [clip][k] in increasing order. */
export function frameSelection(kind: 'frame' | 'motion', clips: number, frames: number, count: number, seed: number, step: number | string): number[][] {
  const random = new Random(deriveSeed(seed, `frames/${kind}/${step}`));
  return Array.from({ length: clips }, () => {
    if (kind === 'motion') {
      const start = random.int(0, frames - count);
      return Array.from({ length: count }, (_, i) => start + i);
    }
    return random.shuffle(Array.from({ length: frames }, (_, i) => i)).slice(0, count).sort((a, b) => a - b);
  });
}

/** videos [N, T, H, W, C] -> [N, k, H, W, C] with the selected frames, differentiable. */
export function selectFrames(videos: tf.Tensor5D, selection: readonly (readonly number[])[]): tf.Tensor5D {
  const [n, t, h, w, c] = videos.shape;
  const k = selection[0]!.length;
  return tf.tidy(() => {
    const picks = new Float32Array(n * k * n * t);
    selection.forEach((frames, clip) => frames.forEach((frame, j) => (picks[(clip * k + j) * n * t + clip * t + frame] = 1)));
    const flat = tf.reshape(videos, [n * t, h * w * c]) as tf.Tensor2D;
    return tf.reshape(matMulPlainGrad(tf.tensor2d(picks, [n * k, n * t]), flat), [n, k, h, w, c]) as tf.Tensor5D;
  });
}
