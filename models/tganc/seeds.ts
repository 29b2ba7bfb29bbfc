/**
 * Seeds for the TGANs-C networks: every initialiser and every noise draw gets its own seed, derived from the
 * model seed and a name (e.g. 'generator/ct2/kernel', 'noise/3'), so that no two weights share a random
 * stream and the same model seed always gives the same numbers. tfjs initialisers and tf.random* accept a
 * number seed (fed to seedrandom's alea as a string).
 */
import * as tf from '@tensorflow/tfjs';
import { checkTruncation } from '../generation/truncation.ts';

/** A 31-bit seed for `name` under `seed` (FNV-1a over the name, mixed with the seed). */
export function deriveSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h ^ Math.floor(seed / 2 ** 32), 0x01000193);
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  }
  // Final avalanche (murmur3 fmix32).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 1;
}

export type Initializer = ReturnType<typeof tf.initializers.randomNormal>;

/** DCGAN initialisation, N(0, 0.02), seeded for `name`. */
export function normalInitializer(seed: number, name: string): Initializer {
  return tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: deriveSeed(seed, name) });
}

/**
 * Standard normal noise [batch, noiseDim], seeded, times `truncation` (ψ in (0, 1], default 1: exactly the
 * noise of training; models/generation/truncation.ts says why less).
 */
export function sampleNoise(batch: number, noiseDim: number, seed: number, truncation = 1): tf.Tensor2D {
  checkTruncation(truncation);
  if (truncation === 1) return tf.randomNormal([batch, noiseDim], 0, 1, 'float32', seed);
  return tf.tidy(() => tf.randomNormal([batch, noiseDim], 0, 1, 'float32', seed).mul(truncation) as tf.Tensor2D);
}
