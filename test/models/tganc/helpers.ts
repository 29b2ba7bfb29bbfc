/** Shared helpers for the TGANs-C tests. */
import * as tf from '@tensorflow/tfjs';
import type { TganArgs } from '../../../models/tganc/TganConfig.ts';
import type { TganTrainBatch } from '../../../models/tganc/TganModel.ts';
import { Vocabulary } from '../../../text/Vocabulary.ts';
import type { Clip } from '../../../datasets/clip.ts';

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

/** Two captions of a tiny TGANs-C trainer (4 frames of 16x16): the vocabulary and seeded clips of them. */
export const TINY_CAPTIONS = ['digit 1 is moving left and right', 'digit 2 is moving up and down'];
export const tinyVocabulary = (): Vocabulary => new Vocabulary().add('digit 1 2 is moving left and right up down'.split(' ')).finalize();
export const tinyClips = (seed: number): Clip[] =>
  TINY_CAPTIONS.map((caption, i) => {
    const frames = new Uint8Array(4 * 16 * 16);
    for (let k = 0; k < frames.length; k++) frames[k] = (k * 17 + i * 5 + seed * 11) % 256;
    return { id: `c${i}`, frames, shape: [4, 16, 16, 1], caption, tokens: caption.split(' '), split: 'train', source: 'test', attributes: {} };
  });
