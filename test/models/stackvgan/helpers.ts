/** Shared fixtures for the StackGAN-I -> VGAN tests: a tiny vocabulary, clips and trainers (cpu backend). */
import * as tf from '@tensorflow/tfjs';
import type { Clip } from '../../../datasets/clip.ts';
import { Vocabulary } from '../../../text/Vocabulary.ts';
import { tinyStackVganArgs, type StackVganArgs } from '../../../models/stackvgan/StackVganConfig.ts';
import { StackVganTrainer } from '../../../models/stackvgan/StackVganTrainer.ts';
import type { StackVganModelArgs } from '../../../models/stackvgan/StackVganModel.ts';
import { randomWordTable } from '../../../models/stackvgan/wordTable.ts';

export const CAPTIONS = ['digit 1 is moving left and right', 'digit 2 is moving up and down', 'digit 3 is moving up and down', 'digit 1 is moving up and down'];
export const T = 6;

export function vocabulary(): Vocabulary {
  const v = new Vocabulary();
  for (const c of CAPTIONS) v.add(c.split(' '));
  return v.finalize();
}

/** Clips of T frames of 20x20 grey (resized to 16x16): a bright square moving by a clip-set step. */
export function clips(seed: number): Clip[] {
  return CAPTIONS.map((caption, i) => {
    const frames = new Uint8Array(T * 20 * 20);
    for (let f = 0; f < T; f++) {
      const x = (seed * 3 + i * 5 + f * (i + 1)) % 14;
      const y = (seed * 7 + i * 2 + f) % 14;
      for (let dy = 0; dy < 6; dy++) for (let dx = 0; dx < 6; dx++) frames[f * 400 + (y + dy) * 20 + x + dx] = 200 + i * 10;
    }
    return { id: `c${i}`, frames, shape: [T, 20, 20, 1], caption, tokens: caption.split(' '), split: 'train', source: 'test', attributes: {} };
  });
}

/** Tiny two-stage model: 4 frames of 16x16, 2 text steps then GAN steps. */
export function trainer(overrides: Partial<Omit<StackVganModelArgs, 'wordTable'>> & Partial<StackVganArgs> = {}): StackVganTrainer {
  const network = tinyStackVganArgs({ seed: overrides.seed ?? 5 });
  const v = vocabulary();
  return new StackVganTrainer({
    model: { ...network, textSteps: 2, learningRates: { image: 1e-3, imageDiscriminator: 1e-3, video: 1e-3, videoDiscriminator: 1e-3 }, ...overrides },
    vocabulary: v,
    wordTable: randomWordTable(v, network.wordDim, overrides.seed ?? 5),
  });
}

/** The raw bytes of every weight of some networks (trainable and batch-norm statistics), in order. */
export function weightBits(models: tf.LayersModel[]): Buffer[] {
  return models.flatMap((model) => model.weights.map((w) => Buffer.from((w.read().dataSync() as Float32Array).slice().buffer)));
}
