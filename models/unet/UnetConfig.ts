/**
 * Sizes of the text-conditioned U-Net next-frame predictor (predictor.ts) and of the caption-conditioned
 * frame discriminator it is trained against (the TGANs-C frame discriminator, built for one frame).
 *
 * The predictor sees the last `frames` frames (the window d) and a sentence vector and predicts the frame
 * after them. Every entry of `encoderChannels` is one encoder stage that halves height and width (and one
 * decoder stage that doubles them back), so `size` must be a multiple of 2^encoderChannels.length; likewise
 * for the discriminator's `dChannels`.
 */
import { channelList, positiveInteger } from '../../utils/argChecks.ts';

export type UnetChannels = 1 | 3;

export interface UnetArgs {
  /** d: frames the predictor sees (the window it slides when rolling out). At least 1; 10 by default. */
  frames: number;
  /** Frame height = width; a multiple of 2^encoderChannels.length and of 2^dChannels.length. */
  size: number;
  /** 1 (grey) or 3 (RGB). */
  channels: UnetChannels;
  /** Length of the sentence vectors the caller's text encoder produces. */
  sentenceDim: number;
  /**
   * When set, both networks first project the sentence to this many features (dense + LeakyReLU); when
   * undefined the raw sentence vector joins the bottleneck (and the discriminator's head).
   */
  conditionDim?: number;
  /** Encoder feature channels, fine to coarse, e.g. [32, 64, 128, 256]: one stride-2 stage each. */
  encoderChannels: number[];
  /**
   * Widths of the bottleneck's 1x1 convolutions ("network in network"), applied to the coarsest map
   * with the sentence joined to every position; at least one.
   */
  bottleneckChannels: number[];
  /** Frame discriminator feature channels, fine to coarse: one stride-2 stage each. */
  dChannels: number[];
  /** Negative slope of every LeakyReLU (encoder, bottleneck, discriminator). */
  leak: number;
  /** Seed for every initialiser. Default 0. */
  seed?: number;
  /** Momentum of the batch-norm moving statistics. Default 0.9. */
  batchNormMomentum?: number;
  /** The output bias (before tanh) at initialisation; default 0 (mid-grey). See TganArgs.outputBias. */
  outputBias?: number;
}

/** A predictor for `size`² frames (any multiple of 16) from 10 frames, sentence vectors of 128. */
export function defaultUnetArgs(size = 64, channels: UnetChannels = 3): UnetArgs {
  return validateUnetArgs({
    frames: 10,
    size,
    channels,
    sentenceDim: 128,
    conditionDim: 64,
    encoderChannels: [32, 64, 128, 256],
    bottleneckChannels: [256, 256],
    dChannels: [32, 64, 128, 256],
    leak: 0.2,
    seed: 0,
  });
}

/** A very small configuration for tests: 3 frames of 16x16 grey, 3 encoder stages, a handful of channels. */
export function tinyUnetArgs(overrides: Partial<UnetArgs> = {}): UnetArgs {
  return validateUnetArgs({
    frames: 3,
    size: 16,
    channels: 1,
    sentenceDim: 6,
    conditionDim: 4,
    encoderChannels: [4, 8, 16],
    bottleneckChannels: [16],
    dChannels: [4, 8],
    leak: 0.2,
    seed: 1,
    ...overrides,
  });
}

/** Throws a RangeError naming the first invalid field; returns the args unchanged when all are valid. */
export function validateUnetArgs<T extends UnetArgs>(args: T): T {
  positiveInteger('frames', args.frames);
  positiveInteger('size', args.size);
  if (args.channels !== 1 && args.channels !== 3) {
    throw new RangeError(`channels must be 1 or 3, got ${String(args.channels)}`);
  }
  positiveInteger('sentenceDim', args.sentenceDim);
  if (args.conditionDim !== undefined) positiveInteger('conditionDim', args.conditionDim);
  channelList('encoderChannels', args.encoderChannels);
  channelList('bottleneckChannels', args.bottleneckChannels);
  channelList('dChannels', args.dChannels);
  for (const [name, list] of [['encoderChannels', args.encoderChannels], ['dChannels', args.dChannels]] as const) {
    const factor = 2 ** list.length;
    if (args.size % factor !== 0) {
      throw new RangeError(`size must be a multiple of ${factor} (2^${list.length}, one halving per entry of ${name}), got ${args.size}`);
    }
  }
  if (!(Number.isFinite(args.leak) && args.leak >= 0 && args.leak < 1)) {
    throw new RangeError(`leak must be in [0, 1), got ${args.leak}`);
  }
  if (args.seed !== undefined && !(Number.isSafeInteger(args.seed) && args.seed >= 0)) {
    throw new RangeError(`seed must be a non-negative integer, got ${args.seed}`);
  }
  const m = args.batchNormMomentum;
  if (m !== undefined && !(Number.isFinite(m) && m >= 0 && m < 1)) {
    throw new RangeError(`batchNormMomentum must be in [0, 1), got ${m}`);
  }
  if (args.outputBias !== undefined && !Number.isFinite(args.outputBias)) {
    throw new RangeError(`outputBias must be a finite number, got ${args.outputBias}`);
  }
  return args;
}
