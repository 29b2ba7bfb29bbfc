/**
 * Clips (uint8 [T, H, W, C] bytes) -> the float video batch a model trains on, and back.
 *
 * A model's frame count and size may differ from the dataset's: the first `frames` frames are taken
 * (a dataset with fewer frames is an error) and frames are resized bilinearly (half-pixel centres, so a
 * 64 -> 48 resize does not shift the picture). Channels must match.
 */
import * as tf from '@tensorflow/tfjs';
import type { Clip, ClipShape } from '../../datasets/clip.ts';
import { geometryMismatch, type VideoGeometry } from './videoGeometry.ts';

export { geometryMismatch, type VideoGeometry } from './videoGeometry.ts';

/** Clips -> float32 [N, frames, size, size, channels] in [-1, 1]. */
export function clipsToVideos(clips: readonly Clip[], geometry: VideoGeometry): tf.Tensor5D {
  if (clips.length === 0) throw new RangeError('clipsToVideos needs at least one clip');
  const shape = clips[0]!.shape;
  for (const clip of clips) {
    if (clip.shape.some((d, i) => d !== shape[i])) throw new RangeError(`clips in a batch must share one shape: ${clip.id} is [${clip.shape.join(', ')}], not [${shape.join(', ')}]`);
  }
  const problem = geometryMismatch(shape, geometry);
  if (problem !== undefined) throw new RangeError(problem);
  const [, h, w, c] = shape;
  const frameBytes = h * w * c;
  const keep = geometry.frames * frameBytes;
  const bytes = new Uint8Array(clips.length * keep);
  clips.forEach((clip, i) => bytes.set(clip.frames.subarray(0, keep), i * keep));
  return tf.tidy(() => {
    let frames = tf.tensor4d(bytes, [clips.length * geometry.frames, h, w, c], 'int32').toFloat();
    if (h !== geometry.size) frames = tf.image.resizeBilinear(frames, [geometry.size, geometry.size], false, true);
    return frames.div(127.5).sub(1).reshape([clips.length, geometry.frames, geometry.size, geometry.size, c]) as tf.Tensor5D;
  });
}

/** Videos in [-1, 1] [N, T, H, W, C] -> per-video uint8 bytes, optionally resized to `size`. */
export function videosToBytes(videos: tf.Tensor5D, size?: number): { frames: Uint8Array; shape: ClipShape }[] {
  const [n, t, h, w, c] = videos.shape;
  const out = size ?? h;
  const data = tf.tidy(() => {
    let frames = tf.reshape(videos, [n * t, h, w, c]) as tf.Tensor4D;
    if (out !== h) frames = tf.image.resizeBilinear(frames, [out, out], false, true);
    return frames.add(1).mul(127.5).round().clipByValue(0, 255).dataSync();
  });
  const clipLength = t * out * out * c;
  return Array.from({ length: n }, (_, i) => ({ frames: Uint8Array.from(data.subarray(i * clipLength, (i + 1) * clipLength)), shape: [t, out, out, c] as ClipShape }));
}
