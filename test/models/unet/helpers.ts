/** Shared helpers for the U-Net next-frame predictor tests. */
import * as tf from '@tensorflow/tfjs';
import type { UnetArgs } from '../../../models/unet/UnetConfig.ts';
import type { UnetTrainBatch } from '../../../models/unet/UnetModel.ts';

/**
 * Clips [n, t, size, size, channels] in [-1, 1] with structure to learn: a bright 4x4 square on black that
 * moves one pixel right (clip 0, 2, …) or down (clip 1, 3, …) per frame, starting at a place set by the clip.
 */
export function movingSquares(n: number, t: number, size: number, channels: number): tf.Tensor5D {
  const data = new Float32Array(n * t * size * size * channels).fill(-1);
  for (let i = 0; i < n; i++) {
    const x0 = (i * 3) % (size - 4);
    const y0 = (i * 5) % (size - 4);
    for (let f = 0; f < t; f++) {
      const x = i % 2 === 0 ? (x0 + f) % (size - 3) : x0;
      const y = i % 2 === 1 ? (y0 + f) % (size - 3) : y0;
      for (let dy = 0; dy < 4; dy++) {
        for (let dx = 0; dx < 4; dx++) {
          for (let c = 0; c < channels; c++) data[(((i * t + f) * size + y + dy) * size + x + dx) * channels + c] = 1;
        }
      }
    }
  }
  return tf.tensor5d(data, [n, t, size, size, channels]);
}

/** A seeded batch: windows of moving squares, the frame after each, captions and mismatched captions. */
export function trainBatch(args: UnetArgs, n: number, seed: number): Required<UnetTrainBatch> & { wrongSentences: tf.Tensor2D } {
  return tf.tidy(() => {
    const clips = movingSquares(n, args.frames + 1 + (seed % 3), args.size, args.channels);
    const [, t, h, w, c] = clips.shape;
    const flat = tf.reshape(clips, [n, t, h * w * c]);
    const start = seed % 3;
    return {
      frames: tf.reshape(tf.slice(flat, [0, start, 0], [n, args.frames, -1]), [n, args.frames, h, w, c]) as tf.Tensor5D,
      next: tf.reshape(tf.slice(flat, [0, start + args.frames, 0], [n, 1, -1]), [n, h, w, c]) as tf.Tensor4D,
      sentences: tf.randomNormal([n, args.sentenceDim], 0, 1, 'float32', seed * 2 + 1) as tf.Tensor2D,
      wrongSentences: tf.randomNormal([n, args.sentenceDim], 0, 1, 'float32', seed * 2 + 2) as tf.Tensor2D,
    };
  });
}

/** The raw bytes of every weight of a model (trainable and batch-norm statistics), in order. */
export function weightBits(model: tf.LayersModel): Buffer[] {
  return model.weights.map((w) => {
    const data = w.read().dataSync() as Float32Array;
    return Buffer.from(data.slice().buffer);
  });
}

export function bits(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.slice().buffer);
}

/** A model's artifacts, saved in memory. */
export async function saveToMemory(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}
