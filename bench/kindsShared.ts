/**
 * What bench/kinds.bench.ts and bench/kindsWorker.ts share: the models measured, the TGANs-C training
 * configuration, the worker's result, and the seeded random clips and vocabulary the steps train on. Kept
 * free of tfjs (type imports only) so the parent process never loads it.
 */
import { fileURLToPath } from 'node:url';
import { tokenize, type Clip } from '../datasets/clip.ts';
import { Vocabulary } from '../text/Vocabulary.ts';
import { Random } from '../utils/random.ts';
import type { TganArgs } from '../models/tganc/TganConfig.ts';
import type { TganEncoderArgs } from '../models/tganc/TganTrainer.ts';

export const KINDS_WORKER = fileURLToPath(new URL('./kindsWorker.ts', import.meta.url));

/** The clip geometry and batch sizes of every measurement. */
export const FRAMES = 16;
export const SIZE = 48;
export const CHANNELS = 1;
export const BATCH = 8;
export const GEN_BATCH = 16;
/** The U-Net's window (d): it sees 10 frames and rolls out FRAMES - UNET_WINDOW more. */
export const UNET_WINDOW = 10;
/** StackGAN-I -> VGAN: the training DAGs' caption length and word-vector size (seeded random word vectors). */
export const STACKVGAN_CAPTION_LENGTH = 25;
export const STACKVGAN_WORD_DIM = 32;
/** The U-Net's adversarial weight when its adversarial phase is measured (the training DAGs' 0.05). */
export const UNET_ADV_WEIGHT = 0.05;

/** One worker each: a model kind at a preset. */
export const KIND_RUNS = [
  { kind: 'tganc', preset: 'fast' },
  { kind: 'tganc', preset: 'fast', generator: 'sprite' },
  // The shipped model's recipe: the sprite generator with a moving average of its weights.
  { kind: 'tganc', preset: 'fast', generator: 'sprite', generatorAverage: 0.999 },
  { kind: 'tganc', preset: 'small' },
  { kind: 'unet', preset: 'small' },
  { kind: 'stackvgan', preset: 'small' },
] as const;
export type KindRun = (typeof KIND_RUNS)[number];
export type ModelKindName = KindRun['kind'];
/** The ratios' reference, measured in the same run. */
export const REFERENCE: KindRun = KIND_RUNS.find((r) => r.kind === 'tganc' && r.preset === 'small')!;

/**
 * The TGANs-C configuration the project trains with (on top of the preset): a fixed bag-of-words sentence
 * encoder, word classifiers on the video and frame discriminators, minibatch standard deviation.
 */
export const TGANC_TRAINING: { encoder: TganEncoderArgs; predictWords: boolean; model: Pick<TganArgs, 'wordClassifiers' | 'minibatchStd'> } = {
  encoder: { kind: 'bow' },
  predictWords: true,
  model: { wordClassifiers: ['video', 'frame'], minibatchStd: true },
};

/** The worker's command line: what to measure and how often. */
export interface KindsWorkerArgs {
  kind: ModelKindName;
  preset: string;
  /** TGANs-C's generator (TganArgs.generator); default the 3D-convolution one. */
  generator?: 'conv3d' | 'sprite';
  /** TGANs-C's generator weight average (TganArgs.generatorAverage); default 0 (none). */
  generatorAverage?: number;
  /** Timed steps per phase (after one untimed warm-up step of that phase). */
  steps: number;
  /** Timed generation passes at GEN_BATCH (after one untimed pass). */
  genReps: number;
}

/** The timing of one kind of training step. */
export interface PhaseTiming {
  /** `D+G`, `mse`, `adversarial`, `gan`, `text`. */
  phase: string;
  /** The untimed first step of this phase (kernel set-up, weight allocation, V8 warm-up). */
  warmupMs: number;
  stepMs: number[];
}

export interface KindsWorkerResult {
  kind: ModelKindName;
  preset: string;
  backend: string;
  batch: number;
  /** The main phase first (the one the ratios use), then any others. */
  phases: PhaseTiming[];
  genBatch: number;
  /** Frames per generated video (U-Net: the given window plus the predicted frames). */
  genFrames: number;
  genMs: number[];
  params: number;
  maxRssKiB: number;
}

const MOTIONS = ['left and right', 'up and down'] as const;

/** A Bouncing-MNIST-style caption: `digit 3 is moving left and right`. */
export function benchCaption(random: Random): string {
  return `digit ${random.int(0, 9)} is moving ${random.pick(MOTIONS)}`;
}

/** The vocabulary of those captions (every digit and both motions). */
export function benchVocabulary(): Vocabulary {
  const vocabulary = new Vocabulary();
  for (let digit = 0; digit < 10; digit++) for (const motion of MOTIONS) vocabulary.add(tokenize(`digit ${digit} is moving ${motion}`));
  return vocabulary.finalize();
}

/** `count` clips of uniform random grey pixels and random captions, a function of `seed` alone. */
export function randomClips(count: number, seed: number, frames = FRAMES): Clip[] {
  const random = Random.derive(seed, 'bench-clips');
  return Array.from({ length: count }, (_, i) => {
    const pixels = new Uint8Array(frames * SIZE * SIZE * CHANNELS);
    for (let p = 0; p < pixels.length; p += 4) {
      const word = random.uint32();
      pixels[p] = word & 255;
      pixels[p + 1] = (word >>> 8) & 255;
      pixels[p + 2] = (word >>> 16) & 255;
      pixels[p + 3] = word >>> 24;
    }
    const caption = benchCaption(random);
    return { id: `bench-${seed}-${i}`, frames: pixels, shape: [frames, SIZE, SIZE, CHANNELS], caption, tokens: tokenize(caption), split: 'train', source: 'bench', attributes: {} };
  });
}
