/**
 * Sizes of the two-stage "text -> image -> video" generator (StackGAN-I -> VGAN) and of everything it is
 * trained with:
 * - the text side: a VAE over the caption's word-vector matrix (models/text/VaeSentenceEncoder.ts), whose
 *   mean feeds the text branch of a Siamese text/frame joint embedding (models/text/jointEmbedding.ts);
 *   the joint text embedding (a unit vector of `embeddingDim`) is the sentence vector both GANs see;
 * - Stage-I: conditioning augmentation (sentence -> mu, sigma -> c) and an image generator [c ; z] ->
 *   image (imageGenerator.ts), against a matching-aware image discriminator;
 * - Stage-II: the VGAN-style image-to-video generator (models/vgan/imageToVideoGenerator.ts) against a
 *   matching-aware video discriminator.
 *
 * Every entry of a channel list is one stride-2 stage, so `size` must be a multiple of 2^length of each
 * list (`stackVganSizeFactor`).
 */
import { channelList, positiveInteger } from '../../utils/argChecks.ts';

export type StackVganChannels = 1 | 3;

export interface StackVganArgs {
  /** Frames T of a generated video (Stage-II). */
  frames: number;
  /** Height = width of the image and of the frames. */
  size: number;
  channels: StackVganChannels;
  /** Tokens per caption L the VAE reads (padded / cut to it). */
  captionLength: number;
  /** Word-vector size (the VAE's input is L x wordDim). */
  wordDim: number;
  /** The VAE's hidden sizes (encoder; reversed for the decoder). */
  vaeHiddenDims: number[];
  /** The VAE's latent size: its posterior mean is the raw sentence vector. */
  vaeLatentDim: number;
  /** Size of the joint text/frame space: the sentence vector of both GANs. */
  embeddingDim: number;
  /** Hidden sizes of the joint embedding's text branch. */
  jointTextHiddenDims: number[];
  /** Channels of the joint embedding's frame branch (one stride-2 conv each). */
  jointFrameFilters: number[];
  /** The Siamese loss's margin on mismatched pairs' distance (unit vectors: in (0, 2)). */
  margin: number;
  /** Conditioning augmentation: size of c (StackGAN: 128). */
  conditionDim: number;
  /** Stage-I noise z (StackGAN: 100). */
  imageNoiseDim: number;
  /** Stage-I generator channels, coarse to fine: one up-sampling stage each (the last makes the image). */
  imageGChannels: number[];
  /** Image discriminator channels, fine to coarse. */
  imageDChannels: number[];
  /** Stage-II noise. */
  videoNoiseDim: number;
  /** Stage-II image encoder channels, fine to coarse. */
  videoEncoderChannels: number[];
  /** Stage-II video stream channels, coarse to fine. */
  videoGChannels: number[];
  /** Video discriminator channels, fine to coarse. */
  videoDChannels: number[];
  /** Both discriminators project the sentence to this many features before joining it to their map. */
  dConditionDim?: number;
  /** Slope of every LeakyReLU. */
  leak: number;
  /** Seeds every initial weight and every random draw. Default 0. */
  seed?: number;
  /** Momentum of batch-norm moving statistics. Default 0.9. */
  batchNormMomentum?: number;
  /** Stage-I output bias before tanh at initialisation (0: mid-grey). Default 0. */
  outputBias?: number;
  /** Stage-II mask bias before the sigmoid at initialisation (0: mask 0.5). Default 0. */
  maskBias?: number;
}

/** 2^(the longest channel list): `size` must be a multiple of it. */
export function stackVganSizeFactor(args: Pick<StackVganArgs, 'imageGChannels' | 'imageDChannels' | 'videoEncoderChannels' | 'videoGChannels' | 'videoDChannels' | 'jointFrameFilters'>): number {
  return 2 ** Math.max(args.imageGChannels.length, args.imageDChannels.length, args.videoEncoderChannels.length, args.videoGChannels.length, args.videoDChannels.length, args.jointFrameFilters.length);
}

/** A very small configuration for tests: 4 frames of 16x16 grey, two stages per network, a few channels. */
export function tinyStackVganArgs(overrides: Partial<StackVganArgs> = {}): StackVganArgs {
  return validateStackVganArgs({
    frames: 4,
    size: 16,
    channels: 1,
    captionLength: 8,
    wordDim: 8,
    vaeHiddenDims: [16],
    vaeLatentDim: 8,
    embeddingDim: 8,
    jointTextHiddenDims: [8],
    jointFrameFilters: [4, 8],
    margin: 1,
    conditionDim: 4,
    imageNoiseDim: 4,
    imageGChannels: [16, 8],
    imageDChannels: [4, 8],
    videoNoiseDim: 4,
    videoEncoderChannels: [4, 8],
    videoGChannels: [16, 8],
    videoDChannels: [4, 8],
    dConditionDim: 4,
    leak: 0.2,
    seed: 1,
    ...overrides,
  });
}

/** Throws a RangeError naming the first invalid field; returns the args unchanged when all are valid. */
export function validateStackVganArgs<T extends StackVganArgs>(args: T): T {
  for (const field of ['frames', 'size', 'captionLength', 'wordDim', 'vaeLatentDim', 'embeddingDim', 'conditionDim', 'imageNoiseDim', 'videoNoiseDim'] as const) {
    positiveInteger(field, args[field]);
  }
  if (args.channels !== 1 && args.channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${String(args.channels)}`);
  for (const field of ['vaeHiddenDims', 'jointFrameFilters', 'imageGChannels', 'imageDChannels', 'videoEncoderChannels', 'videoGChannels', 'videoDChannels'] as const) {
    channelList(field, args[field]);
  }
  if (!Array.isArray(args.jointTextHiddenDims)) throw new RangeError(`jointTextHiddenDims must be an array, got ${JSON.stringify(args.jointTextHiddenDims)}`);
  args.jointTextHiddenDims.forEach((h, i) => positiveInteger(`jointTextHiddenDims[${i}]`, h));
  if (args.dConditionDim !== undefined) positiveInteger('dConditionDim', args.dConditionDim);
  const factor = stackVganSizeFactor(args);
  if (args.size % factor !== 0) throw new RangeError(`size must be a multiple of ${factor} (one halving per stage of the longest channel list), got ${args.size}`);
  if (!(Number.isFinite(args.margin) && args.margin > 0 && args.margin < 2)) throw new RangeError(`margin must be in (0, 2) (distances of unit vectors), got ${args.margin}`);
  if (!(Number.isFinite(args.leak) && args.leak >= 0 && args.leak < 1)) throw new RangeError(`leak must be in [0, 1), got ${args.leak}`);
  if (args.seed !== undefined && !(Number.isSafeInteger(args.seed) && args.seed >= 0)) throw new RangeError(`seed must be a non-negative integer, got ${args.seed}`);
  const m = args.batchNormMomentum;
  if (m !== undefined && !(Number.isFinite(m) && m >= 0 && m < 1)) throw new RangeError(`batchNormMomentum must be in [0, 1), got ${m}`);
  for (const field of ['outputBias', 'maskBias'] as const) {
    const v = args[field];
    if (v !== undefined && !Number.isFinite(v)) throw new RangeError(`${field} must be a finite number, got ${v}`);
  }
  return args;
}

/** Only the network shapes of a (possibly larger) args object: what a model folder records. */
export function networkArgsOf(args: StackVganArgs): StackVganArgs {
  const keys: (keyof StackVganArgs)[] = [
    'frames', 'size', 'channels', 'captionLength', 'wordDim', 'vaeHiddenDims', 'vaeLatentDim', 'embeddingDim', 'jointTextHiddenDims',
    'jointFrameFilters', 'margin', 'conditionDim', 'imageNoiseDim', 'imageGChannels', 'imageDChannels', 'videoNoiseDim',
    'videoEncoderChannels', 'videoGChannels', 'videoDChannels', 'dConditionDim', 'leak', 'seed', 'batchNormMomentum', 'outputBias', 'maskBias',
  ];
  return Object.fromEntries(keys.filter((k) => args[k] !== undefined).map((k) => [k, args[k]])) as unknown as StackVganArgs;
}
