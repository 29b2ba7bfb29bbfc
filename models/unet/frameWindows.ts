/**
 * Windows of frames for the next-frame predictor: cut (window, next frame) training pairs out of clips,
 * seed a window with one frame repeated, slide a window by one predicted frame.
 *
 * Clips are [N, T, H, W, C]; every helper works on the [N, T, H·W·C] view and reshapes back, because tfjs
 * slices and tiles of rank-5 tensors are slow on wasm (a rank-3 slice and a reshape are cheap).
 */
import * as tf from '@tensorflow/tfjs';

export interface FrameWindow {
  /** The window: frames start..start+d-1, [N, d, H, W, C]. */
  frames: tf.Tensor5D;
  /** The frame right after it, start+d: [N, H, W, C]. */
  next: tf.Tensor4D;
}

/** The d frames of `clips` from `start` and the frame after them (the predictor's input and target). */
export function frameWindow(clips: tf.Tensor5D, start: number, d: number): FrameWindow {
  const [n, t, h, w, c] = clips.shape;
  if (!(Number.isSafeInteger(d) && d >= 1)) throw new RangeError(`window length must be a positive integer, got ${d}`);
  if (!(Number.isSafeInteger(start) && start >= 0 && start + d < t)) {
    throw new RangeError(`start must be a whole number from 0 to ${t - d - 1} (clips of ${t} frames, window ${d} + 1), got ${start}`);
  }
  return tf.tidy(() => {
    const flat = tf.reshape(clips, [n, t, h * w * c]);
    const frames = tf.reshape(tf.slice(flat, [0, start, 0], [n, d, h * w * c]), [n, d, h, w, c]) as tf.Tensor5D;
    const next = tf.reshape(tf.slice(flat, [0, start + d, 0], [n, 1, h * w * c]), [n, h, w, c]) as tf.Tensor4D;
    return { frames, next };
  });
}

/** One frame [N, H, W, C] repeated d times: [N, d, H, W, C] (how a rollout from a single frame starts). */
export function repeatFrame(frame: tf.Tensor4D, d: number): tf.Tensor5D {
  if (!(Number.isSafeInteger(d) && d >= 1)) throw new RangeError(`window length must be a positive integer, got ${d}`);
  const [n, h, w, c] = frame.shape;
  return tf.tidy(() => {
    // A broadcasting add rather than tf.tile (slow on wasm).
    const spread = tf.add(tf.reshape(frame, [n, 1, h * w * c]), tf.zeros([1, d, 1]));
    return tf.reshape(spread, [n, d, h, w, c]) as tf.Tensor5D;
  });
}

/** The window without its first frame, with `frame` [N, H, W, C] appended: still [N, d, H, W, C]. */
export function slideWindow(window: tf.Tensor5D, frame: tf.Tensor4D): tf.Tensor5D {
  const [n, d, h, w, c] = window.shape;
  if (frame.rank !== 4 || frame.shape[0] !== n || frame.shape[1] !== h || frame.shape[2] !== w || frame.shape[3] !== c) {
    throw new RangeError(`frame must have shape [${n}, ${h}, ${w}, ${c}], got [${frame.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const flat = tf.reshape(window, [n, d, h * w * c]);
    const appended = tf.reshape(frame, [n, 1, h * w * c]);
    const kept = d > 1 ? [tf.slice(flat, [0, 1, 0], [n, d - 1, h * w * c]), appended] : [appended];
    return tf.reshape(tf.concat(kept, 1), [n, d, h, w, c]) as tf.Tensor5D;
  });
}
