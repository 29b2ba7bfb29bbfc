/**
 * The two-stage "text -> image -> video" generator (StackGAN Stage-I -> VGAN) and everything it trains
 * with: the text side (textSide.ts), Stage-I (conditioning augmentation + imageGenerator.ts against a
 * matching-aware image discriminator) and Stage-II (models/vgan/imageToVideoGenerator.ts against a
 * matching-aware video discriminator). Adam per network.
 *
 * Phases, by step number only (so a resumed run picks the same one):
 * - text (steps < textSteps): one VAE step and one Siamese step (textSide.ts); the GANs do not move.
 * - gan (from textSteps on): the text side is frozen and gives the sentence s. Each step trains BOTH
 *   stages, in turn: D1, G1 (Stage-I), then D2, G2 (Stage-II). Alternating per step rather than in
 *   sequence because during training Stage-II is conditioned on the REAL first frame (as in the seed
 *   pipeline): the stages do not depend on each other, so there is nothing to wait for, and a run stopped
 *   at any step has both stages equally far along (in sequence, a budget cut short would leave Stage-II
 *   untrained). With `stage2Input: 'stage1'` Stage-II is fed this step's Stage-I sample instead (detached).
 *
 * Losses (sigmoid cross-entropy on logits, models/tganc/losses.ts):
 *   D1: matching-aware on (real first frame, s) -> real, (G1 image, s) and (real frame, wrong s) -> fake
 *   G1: BCE(D1(G1(c, z1), s), 1) + klWeight · KL(N(mu, sigma) || N(0, I)),  c = mu(s) + sigma(s)·eps
 *   D2: matching-aware on (real clip, s), (G2 video, s), (real clip, wrong s) — the caption stays in the
 *       loss, which the seed pipeline's VGAN left out (models.md)
 *   G2: BCE(D2(G2(frame, s, z2), s), 1) + maskWeight · mean |mask|   (VGAN's mask sparsity)
 * A batch whose captions are all equal has no wrong caption: the wrong term is left out of that step.
 *
 * Determinism: every initial weight is seeded from `seed` and the layer name; eps, z1, z2 and the VAE's
 * eps are seeded from (seed, step), so on one backend the same args and batches give the same bits.
 */
import * as tf from '@tensorflow/tfjs';
import { conditioningAugmentationModel, klLoss, reparameterize, sampleEpsilon } from '../text/conditioningAugmentation.ts';
import { buildDiscriminator, disposeDiscriminator } from '../tganc/discriminators.ts';
import type { Discriminator } from '../tganc/discriminators.ts';
import { DEFAULT_MATCHING_WEIGHTS, generatorAdversarialLoss, matchingDiscriminatorLoss } from '../tganc/losses.ts';
import type { MatchingWeights } from '../tganc/losses.ts';
import { deriveSeed, sampleNoise } from '../tganc/seeds.ts';
import { buildImageToVideoGenerator, generateFromImage } from '../vgan/imageToVideoGenerator.ts';
import { maskL1Penalty, MASK_L1_WEIGHT } from '../vgan/maskComposition.ts';
import { buildImageGenerator } from './imageGenerator.ts';
import { TextSide } from './textSide.ts';
import { validateStackVganArgs } from './StackVganConfig.ts';
import type { StackVganArgs } from './StackVganConfig.ts';
import { eachEntry, nonNegativeNumber, positiveNumber, unitFraction } from '../../utils/argChecks.ts';

export interface StackVganLearningRates {
  /** VAE and joint embedding. */
  text: number;
  /** Stage-I generator (with the conditioning augmentation) and its discriminator. */
  image: number;
  imageDiscriminator: number;
  /** Stage-II generator and its discriminator. */
  video: number;
  videoDiscriminator: number;
}

export type Stage2Input = 'real' | 'stage1';

export interface StackVganModelArgs extends StackVganArgs {
  /** The word-vector table by token id (wordTable.ts): {dim = wordDim, matrix [vocabulary size · dim]}. */
  wordTable: { dim: number; matrix: Float32Array };
  /** Steps of the text phase before the GANs train; 0: none (the text side stays as initialised). */
  textSteps?: number;
  learningRates?: Partial<StackVganLearningRates>;
  /** Adam beta1 (default 0.5, StackGAN/DCGAN) and beta2 (0.999) of the GAN networks. */
  adamBeta1?: number;
  adamBeta2?: number;
  /** Weight of the conditioning augmentation's KL in G1's loss. Default 2 (StackGAN). */
  klWeight?: number;
  /** Weight of the VAE's KL term. Default 1. */
  vaeKlWeight?: number;
  /** Weight of the mask's L1 penalty in G2's loss. Default 0.1 (VGAN). */
  maskWeight?: number;
  /** Weights of the (real, right) / (fake, right) / (real, wrong) terms of both discriminators. */
  matchingWeights?: Partial<MatchingWeights>;
  /** Target of (real, right) pairs: 1, or e.g. 0.9 (one-sided smoothing). */
  realLabel?: number;
  /** What Stage-II animates while training: the real first frame (default) or this step's Stage-I sample. */
  stage2Input?: Stage2Input;
}

export interface StackVganTrainBatch {
  /** Caption token ids, int32 [N, captionLength]. */
  ids: tf.Tensor2D;
  /** Real clips [N, frames, size, size, channels] in [-1, 1]; their first frames are the real images. */
  videos: tf.Tensor5D;
  /** For each item the index of an item with another caption, or -1 for all (captionBatch.ts mismatchedIndices). */
  mismatched: ArrayLike<number>;
}

export type StackVganPhase = 'text' | 'gan';

/** Every loss a step can report (metrics.csv columns). */
export const STACKVGAN_LOSSES = [
  'vaeLoss', 'vaeReconstruction', 'vaeKl', 'siamese', 'pull', 'push',
  'g1Loss', 'g1Adversarial', 'caKl', 'd1Loss', 'd1Real', 'd1Fake', 'd1Wrong',
  'g2Loss', 'g2Adversarial', 'maskL1', 'd2Loss', 'd2Real', 'd2Fake', 'd2Wrong',
] as const;
export type StackVganLossName = (typeof STACKVGAN_LOSSES)[number];

export interface StackVganStepResult {
  phase: StackVganPhase;
  /** The losses of this phase (the text phase: vae… and siamese terms; the gan phase: the others). */
  losses: Partial<Record<StackVganLossName, number>>;
}

type ResolvedArgs = StackVganModelArgs & {
  seed: number;
  textSteps: number;
  learningRates: StackVganLearningRates;
  adamBeta1: number;
  adamBeta2: number;
  klWeight: number;
  vaeKlWeight: number;
  maskWeight: number;
  matchingWeights: MatchingWeights;
  realLabel: number;
  stage2Input: Stage2Input;
};

export class StackVganModel {
  readonly args: Readonly<ResolvedArgs>;
  readonly text: TextSide;
  /** Conditioning augmentation: sentence [N, embeddingDim] -> [mu, logSigma], each [N, conditionDim]. */
  readonly conditioning: tf.LayersModel;
  /** Stage-I: (condition [N, Cd], noise [N, Z1]) -> image [N, S, S, C]. */
  readonly imageGenerator: tf.LayersModel;
  /** (image as a 1-frame clip [N, 1, S, S, C], sentence) -> logits [N, 1]. */
  readonly imageDiscriminator: Discriminator;
  /** Stage-II: (image, sentence, noise [N, Z2]) -> [video, foreground, mask]. */
  readonly videoGenerator: tf.LayersModel;
  /** (clip [N, T, S, S, C], sentence) -> logits [N, 1]. */
  readonly videoDiscriminator: Discriminator;
  readonly optimizers: Readonly<{ image: tf.AdamOptimizer; imageDiscriminator: tf.AdamOptimizer; video: tf.AdamOptimizer; videoDiscriminator: tf.AdamOptimizer }>;
  /** Completed train steps. */
  step = 0;
  private disposed = false;

  constructor(args: StackVganModelArgs) {
    const a = resolve(args);
    this.args = a;
    const seed = a.seed;
    const momentum = a.batchNormMomentum ?? 0.9;
    this.text = new TextSide({ network: a, wordTable: a.wordTable, learningRate: a.learningRates.text, vaeKlWeight: a.vaeKlWeight });
    this.conditioning = conditioningAugmentationModel({ inputDim: a.embeddingDim, conditionDim: a.conditionDim, seed: deriveSeed(seed, 'stage1/ca'), name: 'stage1_ca' });
    this.imageGenerator = buildImageGenerator({
      size: a.size,
      channels: a.channels,
      conditionDim: a.conditionDim,
      noiseDim: a.imageNoiseDim,
      gChannels: a.imageGChannels,
      seed,
      batchNormMomentum: momentum,
      ...(a.outputBias !== undefined ? { outputBias: a.outputBias } : {}),
    });
    const common = {
      size: a.size,
      channels: a.channels,
      sentenceDim: a.embeddingDim,
      ...(a.dConditionDim !== undefined ? { conditionDim: a.dConditionDim } : {}),
      leak: a.leak,
      seed,
      batchNormMomentum: momentum,
    };
    this.imageDiscriminator = buildDiscriminator({ ...common, kind: 'frame', frames: 1, dChannels: [...a.imageDChannels], name: 'image_discriminator' });
    this.videoGenerator = buildImageToVideoGenerator({
      frames: a.frames,
      size: a.size,
      channels: a.channels,
      sentenceDim: a.embeddingDim,
      noiseDim: a.videoNoiseDim,
      encoderChannels: a.videoEncoderChannels,
      gChannels: a.videoGChannels,
      leak: a.leak,
      batchNormMomentum: momentum,
      maskBias: a.maskBias ?? 0,
      seed,
    });
    this.videoDiscriminator = buildDiscriminator({ ...common, kind: 'video', frames: a.frames, dChannels: [...a.videoDChannels], name: 'video_discriminator' });
    const adam = (lr: number): tf.AdamOptimizer => tf.train.adam(lr, a.adamBeta1, a.adamBeta2);
    const lr = a.learningRates;
    this.optimizers = { image: adam(lr.image), imageDiscriminator: adam(lr.imageDiscriminator), video: adam(lr.video), videoDiscriminator: adam(lr.videoDiscriminator) };
  }

  phaseAt(step: number = this.step): StackVganPhase {
    return step < this.args.textSteps ? 'text' : 'gan';
  }

  /** Caption ids int32 [N, captionLength] -> the sentence vectors [N, embeddingDim] the GANs see. */
  sentences(ids: tf.Tensor2D): tf.Tensor2D {
    this.assertUsable();
    return this.text.sentences(ids);
  }

  /**
   * Stage-I images [N, S, S, C] for sentences, noise z1 [N, Z1] and CA noise eps [N, Cd] (eps undefined:
   * c = mu, no sampling). Inference mode unless `training`.
   */
  image(sentences: tf.Tensor2D, noise: tf.Tensor2D, eps?: tf.Tensor2D, training = false): tf.Tensor4D {
    this.assertUsable();
    return tf.tidy(() => {
      const [mu, logSigma] = this.conditioning.apply(sentences, { training }) as [tf.Tensor2D, tf.Tensor2D];
      const c = eps === undefined ? mu : reparameterize(mu, logSigma, eps);
      return this.imageGenerator.apply([c, noise], { training }) as tf.Tensor4D;
    });
  }

  /** Stage-II videos [N, T, S, S, C] from images [N, S, S, C], sentences and noise z2 [N, Z2]. */
  video(images: tf.Tensor4D, sentences: tf.Tensor2D, noise: tf.Tensor2D, training = false): tf.Tensor5D {
    this.assertUsable();
    return tf.tidy(() => {
      const out = generateFromImage(this.videoGenerator, images, sentences, noise, training);
      return out.video;
    });
  }

  /** One step of the phase `phaseAt(step)` (see the module comment). */
  trainStep(batch: StackVganTrainBatch): StackVganStepResult {
    this.assertUsable();
    const { ids, videos, mismatched } = batch;
    const { frames, size, channels, captionLength } = this.args;
    const n = videos.shape[0];
    if (videos.rank !== 5 || [n, frames, size, size, channels].some((v, i) => videos.shape[i] !== v)) {
      throw new RangeError(`videos must have shape [N, ${frames}, ${size}, ${size}, ${channels}], got [${videos.shape.join(', ')}]`);
    }
    if (ids.rank !== 2 || ids.shape[0] !== n || ids.shape[1] !== captionLength) throw new RangeError(`ids must have shape [${n}, ${captionLength}], got [${ids.shape.join(', ')}]`);
    if (mismatched.length !== n) throw new RangeError(`mismatched must have ${n} entries, got ${mismatched.length}`);
    const step = this.step;
    const phase = this.phaseAt(step);
    const firsts = firstFrames(videos);
    try {
      if (phase === 'text') {
        const losses = this.text.trainStep(ids, firsts, mismatched, deriveSeed(this.args.seed, `text/vae-eps/${step}`));
        this.step++;
        return { phase, losses: { ...losses } };
      }
      const losses = this.ganStep(ids, videos, firsts, mismatched, step);
      this.step++;
      return { phase, losses };
    } finally {
      firsts.dispose();
    }
  }

  countParams(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [name, network] of Object.entries(this.networks())) counts[name] = network.countParams();
    counts['total'] = Object.values(counts).reduce((s, v) => s + v, 0);
    return counts;
  }

  /** Every network with weights, by checkpoint name. */
  networks(): Record<string, tf.LayersModel> {
    return {
      ...this.text.networks(),
      conditioning: this.conditioning,
      imageGenerator: this.imageGenerator,
      imageDiscriminator: this.imageDiscriminator.model,
      videoGenerator: this.videoGenerator,
      videoDiscriminator: this.videoDiscriminator.model,
    };
  }

  /** Every optimiser, by checkpoint name. */
  allOptimizers(): Record<string, tf.AdamOptimizer> {
    return { ...this.text.optimizers(), ...this.optimizers };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.text.dispose();
    this.conditioning.dispose();
    this.imageGenerator.dispose();
    disposeDiscriminator(this.imageDiscriminator);
    this.videoGenerator.dispose();
    disposeDiscriminator(this.videoDiscriminator);
    for (const optimizer of Object.values(this.optimizers)) optimizer.dispose();
  }

  // -------------------------------------------------------------------------------------------------

  private ganStep(ids: tf.Tensor2D, videos: tf.Tensor5D, firsts: tf.Tensor4D, mismatched: ArrayLike<number>, step: number): Partial<Record<StackVganLossName, number>> {
    const { seed, conditionDim, imageNoiseDim, videoNoiseDim, klWeight, maskWeight } = this.args;
    const n = videos.shape[0];
    const hasWrong = mismatched[0] !== undefined && mismatched[0] >= 0;
    const sentences = this.text.sentences(ids);
    const wrong = hasWrong ? tf.tidy(() => tf.gather(sentences, tf.tensor1d(Array.from(mismatched), 'int32'))) : undefined;
    const eps = sampleEpsilon([n, conditionDim], deriveSeed(seed, `stage1/eps/${step}`)) as tf.Tensor2D;
    const z1 = sampleNoise(n, imageNoiseDim, deriveSeed(seed, `stage1/noise/${step}`));
    const z2 = sampleNoise(n, videoNoiseDim, deriveSeed(seed, `stage2/noise/${step}`));
    const reported: Partial<Record<StackVganLossName, tf.Scalar>> = {};
    const inputs = [sentences, eps, z1, z2, ...(wrong ? [wrong] : [])];
    try {
      // Stage-I: the discriminator on (real frame / G1 image / real frame with a wrong caption) …
      const fakeImages = tf.tidy(() => this.image(sentences, z1, eps, true));
      let stage2Images: tf.Tensor4D = firsts;
      try {
        const [realClips, fakeClips] = [asClip(firsts), asClip(fakeImages)];
        try {
          this.discriminatorStep(this.imageDiscriminator, this.optimizers.imageDiscriminator, realClips, fakeClips, sentences, wrong, 'd1', reported);
        } finally {
          tf.dispose([realClips, fakeClips]);
        }
        if (this.args.stage2Input === 'stage1') stage2Images = tf.clone(fakeImages);
      } finally {
        fakeImages.dispose();
      }
      // … then G1 (and the CA) on the adversarial loss + klWeight · KL.
      this.generatorStep([this.conditioning, this.imageGenerator], this.optimizers.image, 'g1Loss', reported, () => {
        const [mu, logSigma] = this.conditioning.apply(sentences, { training: true }) as [tf.Tensor2D, tf.Tensor2D];
        const image = this.imageGenerator.apply([reparameterize(mu, logSigma, eps), z1], { training: true }) as tf.Tensor4D;
        const logits = this.imageDiscriminator.model.apply([asClip(image), sentences], { training: true }) as tf.Tensor;
        const adversarial = generatorAdversarialLoss(logits);
        const kl = klLoss(mu, logSigma);
        reported.g1Adversarial = tf.keep(adversarial);
        reported.caKl = tf.keep(kl);
        return tf.add(adversarial, tf.mul(kl, klWeight)) as tf.Scalar;
      });
      // Stage-II: the video discriminator, then G2 on the adversarial loss + the mask penalty.
      try {
        const fakeVideos = tf.tidy(() => generateFromImage(this.videoGenerator, stage2Images, sentences, z2, true).video);
        try {
          this.discriminatorStep(this.videoDiscriminator, this.optimizers.videoDiscriminator, videos, fakeVideos, sentences, wrong, 'd2', reported);
        } finally {
          fakeVideos.dispose();
        }
        this.generatorStep([this.videoGenerator], this.optimizers.video, 'g2Loss', reported, () => {
          const out = generateFromImage(this.videoGenerator, stage2Images, sentences, z2, true);
          const logits = this.videoDiscriminator.model.apply([out.video, sentences], { training: true }) as tf.Tensor;
          const adversarial = generatorAdversarialLoss(logits);
          const mask = maskL1Penalty(out.mask, 1);
          reported.g2Adversarial = tf.keep(adversarial);
          reported.maskL1 = tf.keep(mask);
          return tf.add(adversarial, tf.mul(mask, maskWeight)) as tf.Scalar;
        });
      } finally {
        if (stage2Images !== firsts) stage2Images.dispose();
      }
      const names = Object.keys(reported) as StackVganLossName[];
      const values = tf.tidy(() => tf.stack(names.map((name) => reported[name]!)).dataSync());
      return Object.fromEntries(names.map((name, i) => [name, values[i]!]));
    } finally {
      tf.dispose(Object.values(reported));
      tf.dispose(inputs);
    }
  }

  /** One matching-aware update of `d`: the trunk once on real and once on fake inputs (batch norm sees each alone). */
  private discriminatorStep(
    d: Discriminator,
    optimizer: tf.AdamOptimizer,
    real: tf.Tensor5D,
    fake: tf.Tensor5D,
    sentences: tf.Tensor2D,
    wrong: tf.Tensor2D | undefined,
    prefix: 'd1' | 'd2',
    reported: Partial<Record<StackVganLossName, tf.Scalar>>,
  ): void {
    const weights = wrong !== undefined ? this.args.matchingWeights : { ...this.args.matchingWeights, wrong: 0 };
    const { value, grads } = tf.variableGrads(() => {
      const realFeatures = d.trunk.apply(real, { training: true }) as tf.Tensor;
      const fakeFeatures = d.trunk.apply(fake, { training: true }) as tf.Tensor;
      const pairSentences = tf.concat([sentences, sentences, wrong ?? sentences], 0);
      const logits = d.head.apply([tf.concat([realFeatures, fakeFeatures, realFeatures], 0), pairSentences], { training: true }) as tf.Tensor2D;
      const [realRight, fakeRight, realWrong] = tf.split(logits, 3, 0);
      const m = matchingDiscriminatorLoss({ realRight: realRight!, fakeRight: fakeRight!, realWrong: realWrong! }, weights, this.args.realLabel);
      reported[`${prefix}Real`] = tf.keep(m.realTerm);
      reported[`${prefix}Fake`] = tf.keep(m.fakeTerm);
      if (wrong !== undefined) reported[`${prefix}Wrong`] = tf.keep(m.wrongTerm);
      return m.loss;
    }, trainableVariables([d.model]));
    try {
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    } finally {
      tf.dispose(grads);
    }
    reported[`${prefix}Loss`] = value;
  }

  private generatorStep(
    networks: tf.LayersModel[],
    optimizer: tf.AdamOptimizer,
    name: 'g1Loss' | 'g2Loss',
    reported: Partial<Record<StackVganLossName, tf.Scalar>>,
    loss: () => tf.Scalar,
  ): void {
    const { value, grads } = tf.variableGrads(loss, trainableVariables(networks));
    try {
      optimizer.applyGradients(Object.entries(grads).map(([key, tensor]) => ({ name: key, tensor })));
    } finally {
      tf.dispose(grads);
    }
    reported[name] = value;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('this StackVganModel has been disposed');
  }
}

/** The first frame of each clip [N, T, H, W, C] -> [N, H, W, C] (a rank-3 slice: rank-5 slices are slow on wasm). */
export function firstFrames(videos: tf.Tensor5D): tf.Tensor4D {
  const [n, t, h, w, c] = videos.shape;
  return tf.tidy(() => tf.reshape(tf.slice(tf.reshape(videos, [n, t, h * w * c]), [0, 0, 0], [n, 1, h * w * c]), [n, h, w, c]) as tf.Tensor4D);
}

/** Images [N, H, W, C] as clips of one frame [N, 1, H, W, C] (what the frame discriminator takes). */
function asClip(images: tf.Tensor4D): tf.Tensor5D {
  const [n, h, w, c] = images.shape;
  return tf.reshape(images, [n, 1, h, w, c]);
}

function trainableVariables(models: tf.LayersModel[]): tf.Variable[] {
  return models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
}

const DEFAULT_GAN_LEARNING_RATE = 2e-4;

function resolve(args: StackVganModelArgs): ResolvedArgs {
  validateStackVganArgs(args);
  const learningRates: StackVganLearningRates = {
    text: 1e-3,
    image: DEFAULT_GAN_LEARNING_RATE,
    imageDiscriminator: DEFAULT_GAN_LEARNING_RATE,
    video: DEFAULT_GAN_LEARNING_RATE,
    videoDiscriminator: DEFAULT_GAN_LEARNING_RATE,
    ...args.learningRates,
  };
  eachEntry('learningRates', learningRates, positiveNumber);
  const adamBeta1 = args.adamBeta1 ?? 0.5;
  const adamBeta2 = args.adamBeta2 ?? 0.999;
  unitFraction('adamBeta1', adamBeta1);
  unitFraction('adamBeta2', adamBeta2);
  const textSteps = args.textSteps ?? 0;
  if (!(Number.isSafeInteger(textSteps) && textSteps >= 0)) throw new RangeError(`textSteps must be a whole number >= 0, got ${textSteps}`);
  const klWeight = args.klWeight ?? 2;
  const vaeKlWeight = args.vaeKlWeight ?? 1;
  const maskWeight = args.maskWeight ?? MASK_L1_WEIGHT;
  nonNegativeNumber('klWeight', klWeight);
  nonNegativeNumber('vaeKlWeight', vaeKlWeight);
  nonNegativeNumber('maskWeight', maskWeight);
  const matchingWeights = { ...DEFAULT_MATCHING_WEIGHTS, ...args.matchingWeights };
  eachEntry('matchingWeights', matchingWeights, nonNegativeNumber);
  const realLabel = args.realLabel ?? 1;
  if (!(Number.isFinite(realLabel) && realLabel > 0.5 && realLabel <= 1)) throw new RangeError(`realLabel must be in (0.5, 1], got ${realLabel}`);
  const stage2Input = args.stage2Input ?? 'real';
  if (stage2Input !== 'real' && stage2Input !== 'stage1') throw new RangeError(`stage2Input must be 'real' or 'stage1', got ${String(stage2Input)}`);
  return { ...args, seed: args.seed ?? 0, textSteps, learningRates, adamBeta1, adamBeta2, klWeight, vaeKlWeight, maskWeight, matchingWeights, realLabel, stage2Input };
}
