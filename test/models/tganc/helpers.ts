/** Shared helpers for the TGANs-C tests. */
import * as tf from '@tensorflow/tfjs';
import type { TganArgs } from '../../../models/tganc/TganConfig.ts';
import type { TganTrainBatch } from '../../../models/tganc/TganModel.ts';

/** A seeded batch: clips in [-1, 1], captions and mismatched captions. */
export function trainBatch(args: TganArgs, n: number, seed: number): Required<Pick<TganTrainBatch, "videos" | "sentences" | "wrongSentences">> & { sentences: tf.Tensor2D; wrongSentences: tf.Tensor2D } {
  return {
    videos: tf.randomUniform([n, args.frames, args.size, args.size, args.channels], -1, 1, 'float32', seed * 3 + 1) as tf.Tensor5D,
    sentences: tf.randomNormal([n, args.sentenceDim], 0, 1, 'float32', seed * 3 + 2) as tf.Tensor2D,
    wrongSentences: tf.randomNormal([n, args.sentenceDim], 0, 1, 'float32', seed * 3 + 3) as tf.Tensor2D,
  };
}

/** The raw bytes of every weight of a model (trainable and batch-norm statistics), in order. */
export function weightBits(model: tf.LayersModel): Buffer[] {
  return model.weights.map((w) => {
    const data = w.read().dataSync() as Float32Array;
    return Buffer.from(data.slice().buffer);
  });
}
