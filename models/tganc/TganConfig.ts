/**
 * TGANs-C ("To Create What You Tell", Pan et al., ACM MM 2017) network sizes.
 *
 * One `TganArgs` describes the generator and the three matching-aware discriminators; generator.ts and
 * discriminators.ts derive their own `…Args` from it. The number of up-/down-sampling stages is the length of
 * `gChannels` / `dChannels`: every stage doubles (generator) or halves (discriminators) height and width, so
 * `size` must be a multiple of 2^stages; time grows or shrinks by 2 only as far as `frames` allows (see
 * `timeStrides`).
 */
import { channelList, positiveInteger } from '../../utils/argChecks.ts';

export type TganChannels = 1 | 3;

export interface TganArgs {
  /** Frames per clip (16 in the paper). At least 2 (the motion discriminator compares adjacent frames). */
  frames: number;
  /** Frame height = width (48 in the paper; 64 also used). A multiple of 2^stages of both networks. */
  size: number;
  /** 1 (grey) or 3 (RGB). */
  channels: TganChannels;
  /** Length of the noise vector z (100 in the paper). */
  noiseDim: number;
  /** Length of the sentence vector the text encoder produces (e.g. 128). */
  sentenceDim: number;
  /**
   * When set, every network first projects the sentence to this many features (dense + LeakyReLU) before
   * using it (e.g. 64); when undefined the raw sentence vector is used.
   */
  conditionDim?: number;
  /** Generator feature channels, coarse to fine, e.g. [256, 128, 64, 32]: one up-sampling stage each. */
  gChannels: number[];
  /** Discriminator feature channels, fine to coarse, e.g. [32, 64, 128, 256]: one stride-2 stage each. */
  dChannels: number[];
  /** Negative slope of the discriminators' LeakyReLUs (0.2). */
  leak: number;
  /** Generator activation after each batch norm: ReLU (DCGAN) or LeakyReLU with `leak`. Default 'relu'. */
  gActivation?: 'relu' | 'leakyRelu';
  /**
   * How each generator stage grows the clip: 'transposed' (default; the paper's stride-2 transposed 3D
   * convolutions, kernel 4) or 'resize' (nearest-neighbour upsampling, then a stride-1 3D convolution,
   * kernel 3: no checkerboard patterns, ~3x the stage's arithmetic).
   */
  gUpsample?: 'transposed' | 'resize';
  /**
   * The generator: 'conv3d' (default; the paper's 3D (transposed) convolutions from [z ; sentence]) or
   * 'sprite' (spriteGenerator.ts: one sprite drawn by 2D convolutions and a path per frame, from two
   * separate streams, the clip being the sprite moved along the path; for one object moving over a black
   * background, where it carries known objects over to motions they were never seen with).
   */
  generator?: 'conv3d' | 'sprite';
  /** Sprite generator: side of the sprite (default 28, an MNIST digit). */
  spriteSize?: number;
  /** Sprite generator: channels of its 2D stack, coarse to fine, one doubling each (default [128]: 14x14x128 -> the 28x28 sprite). */
  spriteChannels?: number[];
  /** Sprite generator: hidden units of the path network (default 128). */
  pathHidden?: number;
  /**
   * Sprite generator: the entries of the sentence vector the sprite stream reads (with a bag-of-words
   * encoder, word ids: e.g. the digits), the rest being zeroed for it; undefined: the whole sentence. A
   * sprite drawn from the digit words alone is the same sprite whatever motion the caption names.
   */
  spriteWordIds?: number[];
  /** Sprite generator: the entries the path stream reads (e.g. the motion words); undefined: all. */
  pathWordIds?: number[];
  /** Weight of the temporal-coherence loss on generated clips (0 or undefined: off). */
  temporalCoherenceWeight?: number;
  /** Build and train the motion discriminator (the paper's best variant). */
  useMotionDiscriminator: boolean;
  /**
   * Frames of each clip the frame discriminator judges per step, drawn at random (seeded by the step);
   * undefined: all of them. The loss is a mean over frames, so a sample estimates it without bias at a
   * fraction of the cost: the frame and motion discriminators run 2D convs on every frame they see, and
   * on all 16 frames they were over half of a training step.
   */
  frameSamples?: number;
  /** Consecutive frames (a window at a random start) the motion discriminator sees; undefined: all. */
  motionWindow?: number;
  /**
   * Give every discriminator the batch's feature standard deviation as one more input (minibatch
   * discrimination), against a generator that makes every video alike. Default false.
   */
  minibatchStd?: boolean;
  /**
   * How each discriminator's head joins the sentence: 'concat' (default; the paper's: replicated over the
   * final map and concatenated to its channels) or 'projection' (an inner product of an embedding of the
   * sentence with the position-averaged features, added to a sentence-free logit; Miyato & Koyama 2018).
   */
  headConditioning?: 'concat' | 'projection';
  /**
   * Spectral normalisation (Miyato et al. 2018) of every discriminator convolution, and no batch norm in the
   * discriminators: their logits cannot outgrow the generator (pairs well with the hinge loss). Default false.
   */
  spectralNorm?: boolean;
  /**
   * When set (the vocabulary size), the video discriminator also predicts which words of the vocabulary
   * the caption holds, from the clip alone (an auxiliary classifier, as in AC-GAN and TAC-GAN): it learns
   * this on real clips, and the generator is trained to make clips whose words it reads back. Where the
   * matching-aware loss only says "this pair does not match", this says which words the clip should show,
   * which is what keeps a generator from ignoring its caption. Needs token ids (a sentence encoder).
   */
  predictWords?: number;
  /**
   * Which discriminators get a word classifier (with predictWords); default ['video']. The frame
   * discriminator's 2D features of single frames are where a digit's shape is easiest to read (its logits
   * are averaged over the frames it sees); the video discriminator's are where the motion is.
   */
  wordClassifiers?: ('video' | 'frame' | 'motion')[];
  /**
   * The generator's output bias (before tanh) at initialisation; default 0, which starts every pixel at
   * mid-grey. Datasets that are mostly background (bouncing digits: 97% black) train faster from the
   * background's value, atanh(2·mean - 1) (e.g. -1.8): the discriminators otherwise spend the first
   * hundreds of steps only telling grey from black, pushing every generated video the same way.
   */
  outputBias?: number;
  /** Seed for every initialiser (and, in TganModel, for the noise). Default 0. */
  seed?: number;
  /** Momentum of the batch-norm moving statistics. Default 0.9. */
  batchNormMomentum?: number;
}

/** The paper's networks at `size`² (48 or 64; any multiple of 16), 16 frames, sentence vectors of 128. */
export function defaultTganArgs(size = 48, channels: TganChannels = 3): TganArgs {
  return validateTganArgs({
    frames: 16,
    size,
    channels,
    noiseDim: 100,
    sentenceDim: 128,
    conditionDim: 64,
    gChannels: [256, 128, 64, 32],
    dChannels: [32, 64, 128, 256],
    leak: 0.2,
    gActivation: 'relu',
    useMotionDiscriminator: true,
    seed: 0,
  });
}

/** A very small configuration for tests: 4 frames of 16x16 grey, 3 stages, a handful of channels. */
export function tinyTganArgs(overrides: Partial<TganArgs> = {}): TganArgs {
  return validateTganArgs({
    frames: 4,
    size: 16,
    channels: 1,
    noiseDim: 8,
    sentenceDim: 6,
    conditionDim: 4,
    gChannels: [16, 8, 4],
    dChannels: [4, 8, 16],
    leak: 0.2,
    useMotionDiscriminator: true,
    temporalCoherenceWeight: 0.1,
    seed: 1,
    ...overrides,
  });
}

/** Throws a RangeError naming the first invalid field; returns the args unchanged when all are valid. */
export function validateTganArgs<T extends TganArgs>(args: T): T {
  positiveInteger('frames', args.frames);
  if (args.frames < 2) throw new RangeError(`frames must be at least 2 (adjacent frames are compared), got ${args.frames}`);
  positiveInteger('size', args.size);
  if (args.channels !== 1 && args.channels !== 3) {
    throw new RangeError(`channels must be 1 or 3, got ${String(args.channels)}`);
  }
  positiveInteger('noiseDim', args.noiseDim);
  positiveInteger('sentenceDim', args.sentenceDim);
  if (args.conditionDim !== undefined) positiveInteger('conditionDim', args.conditionDim);
  channelList('gChannels', args.gChannels);
  channelList('dChannels', args.dChannels);
  for (const [name, list] of [['gChannels', args.gChannels], ['dChannels', args.dChannels]] as const) {
    const factor = 2 ** list.length;
    if (args.size % factor !== 0) {
      throw new RangeError(
        `size must be a multiple of ${factor} (2^${list.length}, one halving per entry of ${name}), got ${args.size}`,
      );
    }
  }
  if (!(Number.isFinite(args.leak) && args.leak >= 0 && args.leak < 1)) {
    throw new RangeError(`leak must be in [0, 1), got ${args.leak}`);
  }
  if (args.headConditioning !== undefined && args.headConditioning !== 'concat' && args.headConditioning !== 'projection') {
    throw new RangeError(`headConditioning must be 'concat' or 'projection', got ${String(args.headConditioning)}`);
  }
  if (args.gUpsample !== undefined && args.gUpsample !== 'transposed' && args.gUpsample !== 'resize') {
    throw new RangeError(`gUpsample must be 'transposed' or 'resize', got ${String(args.gUpsample)}`);
  }
  if (args.gActivation !== undefined && args.gActivation !== 'relu' && args.gActivation !== 'leakyRelu') {
    throw new RangeError(`gActivation must be 'relu' or 'leakyRelu', got ${String(args.gActivation)}`);
  }
  if (args.generator !== undefined && args.generator !== 'conv3d' && args.generator !== 'sprite') {
    throw new RangeError(`generator must be 'conv3d' or 'sprite', got ${String(args.generator)}`);
  }
  if (args.spriteChannels !== undefined) channelList('spriteChannels', args.spriteChannels);
  if (args.pathHidden !== undefined) positiveInteger('pathHidden', args.pathHidden);
  for (const [name, ids] of [['spriteWordIds', args.spriteWordIds], ['pathWordIds', args.pathWordIds]] as const) {
    if (ids === undefined) continue;
    if (args.generator !== 'sprite') throw new RangeError(`${name} is a setting of the sprite generator (generator: 'sprite')`);
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => !(Number.isSafeInteger(id) && id >= 0 && id < args.sentenceDim))) {
      throw new RangeError(`${name} must be a non-empty list of entries of the sentence vector (0 to ${args.sentenceDim - 1}), got ${JSON.stringify(ids)}`);
    }
  }
  if (args.spriteSize !== undefined || args.generator === 'sprite') {
    const side = args.spriteSize ?? 28;
    positiveInteger('spriteSize', side);
    if (side >= args.size) throw new RangeError(`spriteSize must be smaller than size (${args.size}) so the sprite can move, got ${side}`);
    const factor = 2 ** (args.spriteChannels ?? [128]).length;
    if (side % factor !== 0) throw new RangeError(`spriteSize must be a multiple of ${factor} (one doubling per spriteChannels entry), got ${side}`);
  }
  const tc = args.temporalCoherenceWeight;
  if (tc !== undefined && !(Number.isFinite(tc) && tc >= 0)) {
    throw new RangeError(`temporalCoherenceWeight must be a finite number >= 0, got ${tc}`);
  }
  if (args.frameSamples !== undefined && !(Number.isSafeInteger(args.frameSamples) && args.frameSamples >= 1 && args.frameSamples <= args.frames)) {
    throw new RangeError(`frameSamples must be a whole number from 1 to frames (${args.frames}), got ${args.frameSamples}`);
  }
  if (args.motionWindow !== undefined && !(Number.isSafeInteger(args.motionWindow) && args.motionWindow >= 2 && args.motionWindow <= args.frames)) {
    throw new RangeError(`motionWindow must be a whole number from 2 to frames (${args.frames}), got ${args.motionWindow}`);
  }
  if (typeof args.useMotionDiscriminator !== 'boolean') {
    throw new RangeError(`useMotionDiscriminator must be true or false, got ${String(args.useMotionDiscriminator)}`);
  }
  if (args.seed !== undefined && !(Number.isSafeInteger(args.seed) && args.seed >= 0)) {
    throw new RangeError(`seed must be a non-negative integer, got ${args.seed}`);
  }
  if (args.predictWords !== undefined) positiveInteger('predictWords', args.predictWords);
  if (args.wordClassifiers !== undefined) {
    const kinds = ['video', 'frame', 'motion'];
    if (!Array.isArray(args.wordClassifiers) || args.wordClassifiers.length === 0 || args.wordClassifiers.some((k) => !kinds.includes(k))) {
      throw new RangeError(`wordClassifiers must be a non-empty list of video, frame, motion; got ${JSON.stringify(args.wordClassifiers)}`);
    }
    if (args.wordClassifiers.includes('motion') && !args.useMotionDiscriminator) throw new RangeError('wordClassifiers names motion, but useMotionDiscriminator is off');
  }
  if (args.outputBias !== undefined && !Number.isFinite(args.outputBias)) throw new RangeError(`outputBias must be a finite number, got ${args.outputBias}`);
  const m = args.batchNormMomentum;
  if (m !== undefined && !(Number.isFinite(m) && m >= 0 && m < 1)) {
    throw new RangeError(`batchNormMomentum must be in [0, 1), got ${m}`);
  }
  return args;
}

/**
 * Time strides of `stages` stride-2 stages, coarse to fine, for a network that grows time from
 * `frames / 2^k` to `frames`: k = min(stages, the number of times 2 divides frames). The doublings are
 * the last k stages (the discriminators, read fine to coarse, halve time in their first stages).
 */
export function timeStrides(frames: number, stages: number): { startFrames: number; strides: (1 | 2)[] } {
  let k = 0;
  while (k < stages && (frames / 2 ** (k + 1)) % 1 === 0) k++;
  const strides: (1 | 2)[] = [];
  for (let i = 0; i < stages; i++) strides.push(i >= stages - k ? 2 : 1);
  return { startFrames: frames / 2 ** k, strides };
}
