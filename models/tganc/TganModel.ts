/**
 * TGANs-C training: the generator, the video and frame discriminators (and the motion discriminator when
 * `useMotionDiscriminator`), one Adam optimiser per network, and `trainStep`, which does one discriminator
 * update then one generator update on a batch of (clip, caption, mismatched caption).
 *
 * Captions come in either as sentence vectors (`sentences`, e.g. from a frozen pretrained-vector encoder) or,
 * when the model was given a `sentenceEncoder` (e.g. lstmSentenceEncoder), as token ids (`captions`). The
 * encoder is then trained jointly with the discriminators: the matching-aware loss is what teaches it to
 * tell captions apart (its own Adam, learning rate `learningRates.encoder`); the generator step treats its
 * sentence vectors as constants.
 *
 * Discriminator step (generated clips computed outside the gradient tape, batch-norm in training mode):
 *   for every discriminator d: features of the real clips and of the generated clips (the trunk runs once on
 *   each, so batch norm sees real and generated batches separately, as in DCGAN), then the head on
 *   [real ; generated ; real] with [caption ; caption ; wrong caption] -> matching-aware loss (losses.ts).
 *   dLoss = Σ_d weight_d · loss_d; each discriminator's Adam applies its own gradients.
 * Generator step: gLoss = Σ_d weight_d · BCE(d(G(z, s), s), 1)
 *   + temporalCoherenceWeight · temporalCoherenceLoss(G(z, s)). The same noise serves both steps. The
 *   discriminators run in training mode here too (batch statistics of the generated batch, as in their own
 *   step), which also moves their batch-norm moving statistics; only G's weights are updated.
 *
 * Determinism: initialisers are seeded from `seed`; the noise of step k (when not given) is drawn with seed
 * deriveSeed(seed, 'noise/k'). On one backend, the same args and batches give bit-identical weights and
 * losses.
 */
import * as tf from '@tensorflow/tfjs';
import { validateTganArgs } from './TganConfig.ts';
import type { TganArgs } from './TganConfig.ts';
import { buildDiscriminator, discriminatorArgsFrom, disposeDiscriminator } from './discriminators.ts';
import type { Discriminator, DiscriminatorKind } from './discriminators.ts';
import { buildGenerator, generatorArgsFrom } from './generator.ts';
import { buildSpriteGenerator, spriteGeneratorArgsFrom } from './spriteGenerator.ts';
import {
  DEFAULT_MATCHING_WEIGHTS,
  generatorAdversarialLoss,
  matchingDiscriminatorLoss,
  wordPredictionLoss,
  temporalCoherenceLoss,
  weightedSum,
} from './losses.ts';
import type { AdversarialLossKind, MatchingWeights } from './losses.ts';
import { deriveSeed, sampleNoise } from './seeds.ts';
import { frameSelection, selectFrames } from './frameSelection.ts';
import { BagOfWords } from '../text/textLayers.ts';
import { buildPosteriorEncoder, samplePosterior } from './posteriorEncoder.ts';
import { WeightAverage } from '../training/WeightAverage.ts';
import { eachEntry, nonNegativeNumber, positiveNumber, unitFraction } from '../../utils/argChecks.ts';

export interface TganLearningRates {
  generator: number;
  /** The sentence encoder's (used only when the model has one). */
  encoder: number;
  video: number;
  frame: number;
  motion: number;
}

/** Weights of each discriminator's loss in dLoss, and of the generator's loss against it in gLoss. */
export interface TganLossWeights {
  video: number;
  frame: number;
  motion: number;
}

export interface TganModelArgs extends TganArgs {
  /** Adam learning rates per network; default 2e-4 each. */
  learningRates?: Partial<TganLearningRates>;
  /** Adam beta1 (default 0.5) and beta2 (default 0.999). */
  adamBeta1?: number;
  adamBeta2?: number;
  /** Default 1 each. */
  lossWeights?: Partial<TganLossWeights>;
  /** Weights of the (real, right) / (fake, right) / (real, wrong) terms; default 1 each. */
  matchingWeights?: Partial<MatchingWeights>;
  /**
   * The discriminators' target for (real, right caption) pairs: 1 (default), or e.g. 0.9 (one-sided label
   * smoothing) so that discriminators that win easily keep giving the generator useful gradients.
   */
  realLabel?: number;
  /**
   * Instance noise (Sønderby et al. 2016): N(0, σ²) added to every clip a discriminator sees, real and
   * generated, so that a discriminator cannot win on details the generator has not learnt yet. σ starts
   * at this value (in the [-1, 1] pixel scale, e.g. 0.1) and falls linearly to 0 at `instanceNoiseSteps`
   * (undefined: it stays). Default 0 (off).
   */
  instanceNoise?: number;
  instanceNoiseSteps?: number;
  /** The adversarial objective of every discriminator and of the generator against them (losses.ts). Default 'bce'. */
  adversarialLoss?: AdversarialLossKind;
  /** Weight of the word classifier's loss in dLoss and gLoss (with predictWords). Default 1. */
  wordLossWeight?: number;
  /**
   * Adam learning rate of `warmUpWords`, which teaches the discriminators' word classifiers on real clips
   * before the GAN starts. Default 2e-3.
   */
  warmupLearningRate?: number;
  /**
   * Weight of a mode-seeking term in gLoss (MSGAN, Mao et al. 2019), against a generator that ignores
   * its noise: the generator also makes the batch's captions from a second noise draw, and the term is
   * mean|z1 − z2| / (mean|G(z1) − G(z2)| + 1e-5), which falls as the two videos of one caption differ
   * more. Costs a second generator pass. Default 0 (off).
   */
  modeSeekingWeight?: number;
  /**
   * Weight of a reconstruction loss in gLoss (cVAE-GAN, as in BicycleGAN): a posterior encoder
   * (posteriorEncoder.ts, own Adam at the generator's learning rate) reads each real clip's z, and the
   * generator must turn (z, caption) back into that clip: mean |G(z, s) − clip| over pixels. The noise of
   * `generate` stays N(0, I); `klWeight` pulls the encoder's z towards it. Costs the encoder's pass and a
   * generator pass over twice the batch. Default 0 (off; no encoder is built).
   */
  reconstructionWeight?: number;
  /**
   * Decay of an exponential moving average of the generator's weights (models/training/WeightAverage.ts),
   * kept in a second generator (`averageGenerator`) that `generate` uses, and so samples, evaluations and
   * saved models: a GAN generator's weights circle around a good point, their average sits near it.
   * E.g. 0.999 (an average over roughly the last 1,000 steps). Default 0 (off; `generate` uses the
   * trained weights).
   */
  generatorAverage?: number;
  /**
   * Vocabulary ids of the words a single frame can show (e.g. the digits, not the motion). When set, the
   * frame discriminator judges frames without the caption (its head gets a zero sentence and it has no
   * (real, wrong) term), and its word classifier learns and scores only these words. Why: a frame cannot
   * show motion, so a frame discriminator that is told the motion words learns the training set's
   * pairings of digits and motions (digit 3 only ever moved up and down) and pushes the generator away
   * from the digit whenever a caption pairs it with another motion: the unseen combinations.
   */
  frameWordIds?: number[];
  /**
   * Vocabulary ids of the words the video discriminator's word classifier learns and scores (default:
   * all), e.g. only the motion words when the frame classifier reads the digits (frameWordIds): a video
   * classifier asked for the digit can lean on the motion it sees with it in training.
   */
  videoWordIds?: number[];
  /**
   * Discriminators whose heads judge without the caption (realism only; no (real, wrong) term); the frame
   * discriminator is one whenever frameWordIds is set. With every head caption-free, the caption reaches
   * the discriminators only through the word classifiers. Default: none.
   */
  captionFreeHeads?: DiscriminatorKind[];
  /** Weight of the KL term of the reconstruction loss (summed over z, averaged over clips). Default 0.01. */
  klWeight?: number;
  /**
   * Token ids int32 [N, L] -> sentence vectors [N, sentenceDim], trained with the discriminators. Owned
   * by the model from then on (disposed with it).
   */
  sentenceEncoder?: tf.LayersModel;
}

export interface TganTrainBatch {
  /** Real clips [N, frames, size, size, channels] in [-1, 1]. */
  videos: tf.Tensor5D;
  /** Their captions' sentence vectors [N, sentenceDim] (models without a sentence encoder). */
  sentences?: tf.Tensor2D;
  /**
   * Mismatched captions' sentence vectors [N, sentenceDim]. Absent: the batch has no mismatched caption
   * (all its captions are equal) and the (real, wrong) term is left out of this step's loss.
   */
  wrongSentences?: tf.Tensor2D | undefined;
  /** Their captions' token ids int32 [N, L] (models with a sentence encoder). */
  captions?: tf.Tensor2D;
  /** Mismatched captions' token ids int32 [N, L]; absent as for wrongSentences. */
  wrongCaptions?: tf.Tensor2D | undefined;
  /** Noise [N, noiseDim]; default drawn with a seed derived from the model seed and the step number. */
  noise?: tf.Tensor2D;
}

export interface TganStepResult {
  dLoss: number;
  gLoss: number;
  /**
   * dVideo, dFrame, dMotion (weighted matching losses, before the per-discriminator weight), their unweighted
   * terms dVideoReal / dVideoFake / dVideoWrong…, gVideo, gFrame, gMotion, temporalCoherence (always
   * reported; it enters gLoss only with a positive temporalCoherenceWeight).
   */
  parts: Record<string, number>;
}

type ResolvedArgs = Omit<TganModelArgs, 'sentenceEncoder'> & {
  seed: number;
  learningRates: TganLearningRates;
  lossWeights: TganLossWeights;
  matchingWeights: MatchingWeights;
  adamBeta1: number;
  adamBeta2: number;
  temporalCoherenceWeight: number;
  realLabel: number;
  adversarialLoss: AdversarialLossKind;
  instanceNoise: number;
  wordLossWeight: number;
  warmupLearningRate: number;
  modeSeekingWeight: number;
  reconstructionWeight: number;
  klWeight: number;
  generatorAverage: number;
  frameWordIds: number[] | undefined;
  videoWordIds: number[] | undefined;
  captionFreeHeads: DiscriminatorKind[];
};

const DEFAULT_LEARNING_RATE = 2e-4;

export class TganModel {
  readonly args: Readonly<ResolvedArgs>;
  readonly generator: tf.LayersModel;
  /** The moving average of the generator's weights (generatorAverage > 0), which `generate` uses. */
  readonly averageGenerator: tf.LayersModel | undefined;
  readonly sentenceEncoder: tf.LayersModel | undefined;
  /** The reconstruction loss's posterior encoder (only with reconstructionWeight > 0; training-only). */
  readonly posterior: tf.LayersModel | undefined;
  /** video, frame, and (when enabled) motion, in that order. */
  readonly discriminators: readonly Discriminator[];
  readonly optimizers: Readonly<{ generator: tf.AdamOptimizer; encoder?: tf.AdamOptimizer; posterior?: tf.AdamOptimizer } & Partial<Record<DiscriminatorKind, tf.AdamOptimizer>>>;
  /** Completed train steps (the noise seed of the next step depends on it). */
  step = 0;
  /**
   * Updates the generator average had before this run's first step (a warm start that loaded one): its
   * decay ramp (WeightAverage.decayAt) counts them, so a loaded average is not washed out by the first
   * steps as a newborn one would be. Checkpointed with the model.
   */
  generatorAverageAge = 0;
  private disposed = false;
  private readonly average: WeightAverage | undefined;
  private warmupOptimizer: tf.AdamOptimizer | undefined;
  /** Per discriminator: 1 for the words its classifier reads, 0 for the others (frameWordIds, videoWordIds). */
  private readonly wordMasks: Partial<Record<DiscriminatorKind, tf.Tensor1D>> = {};

  constructor(args: TganModelArgs) {
    validateTganArgs(args);
    const { sentenceEncoder, ...rest } = args;
    this.args = resolve(rest);
    this.sentenceEncoder = sentenceEncoder;
    if (sentenceEncoder !== undefined) {
      const out = sentenceEncoder.outputs[0]!.shape;
      if (out.length !== 2 || out[1] !== this.args.sentenceDim) {
        throw new RangeError(`sentenceEncoder must output [N, ${this.args.sentenceDim}] (sentenceDim), got [${out.join(', ')}]`);
      }
    }
    const buildG = () => (this.args.generator === 'sprite' ? buildSpriteGenerator(spriteGeneratorArgsFrom(this.args)) : buildGenerator(generatorArgsFrom(this.args)));
    this.generator = buildG();
    if (this.args.generatorAverage > 0) {
      this.averageGenerator = buildG();
      this.average = new WeightAverage({ source: this.generator, average: this.averageGenerator, decay: this.args.generatorAverage });
      this.average.reset();
    }
    const kinds: DiscriminatorKind[] = this.args.useMotionDiscriminator ? ['video', 'frame', 'motion'] : ['video', 'frame'];
    this.discriminators = kinds.map((kind) => buildDiscriminator(discriminatorArgsFrom(this.args, kind)));
    const adam = (lr: number): tf.AdamOptimizer => tf.train.adam(lr, this.args.adamBeta1, this.args.adamBeta2);
    const optimizers: { generator: tf.AdamOptimizer; encoder?: tf.AdamOptimizer; posterior?: tf.AdamOptimizer } & Partial<Record<DiscriminatorKind, tf.AdamOptimizer>> = {
      generator: adam(this.learningRateOf('generator')),
    };
    if (sentenceEncoder !== undefined) optimizers.encoder = adam(this.learningRateOf('encoder'));
    this.posterior = this.args.reconstructionWeight > 0 ? buildPosteriorEncoder(this.args) : undefined;
    if (this.posterior !== undefined) optimizers.posterior = adam(this.learningRateOf('posterior'));
    for (const kind of kinds) optimizers[kind] = adam(this.learningRateOf(kind));
    this.optimizers = optimizers;
    const { frameWordIds, videoWordIds, predictWords } = this.args;
    for (const [kind, ids] of [['frame', frameWordIds], ['video', videoWordIds]] as const) {
      if (ids === undefined || predictWords === undefined) continue;
      const mask = new Float32Array(predictWords);
      for (const id of ids) mask[id] = 1;
      this.wordMasks[kind] = tf.tensor1d(mask);
    }
  }

  discriminator(kind: DiscriminatorKind): Discriminator | undefined {
    return this.discriminators.find((d) => d.kind === kind);
  }

  /** Standard normal noise [batch, noiseDim]; the seed defaults to the one step `step` would use. */
  sampleNoise(batch: number, seed = deriveSeed(this.args.seed, `noise/${this.step}`)): tf.Tensor2D {
    return sampleNoise(batch, this.args.noiseDim, seed);
  }

  /**
   * Clips [N, frames, size, size, channels] in [-1, 1], from the averaged generator when there is one; batch
   * norm uses its moving statistics unless training.
   */
  generate(noise: tf.Tensor2D, sentences: tf.Tensor2D, options: { training?: boolean } = {}): tf.Tensor5D {
    this.assertUsable();
    this.checkRows('noise', noise, noise.shape[0], this.args.noiseDim);
    this.checkRows('sentences', sentences, noise.shape[0], this.args.sentenceDim);
    const generator = this.averageGenerator ?? this.generator;
    return tf.tidy(() => generator.apply([noise, sentences], { training: options.training ?? false }) as tf.Tensor5D);
  }

  /**
   * Every optimiser's learning rate becomes its configured rate (learningRates) times `scale`, from the
   * next update on: how a schedule (e.g. a linear decay over the run) drives the model.
   */
  setLearningRateScale(scale: number): void {
    if (!(Number.isFinite(scale) && scale >= 0)) throw new RangeError(`learning-rate scale must be a number >= 0, got ${scale}`);
    for (const [name, optimizer] of Object.entries(this.optimizers) as [keyof TganModel['optimizers'], tf.AdamOptimizer | undefined][]) {
      if (optimizer !== undefined) (optimizer as unknown as { learningRate: number }).learningRate = this.learningRateOf(name) * scale;
    }
  }

  /** The configured learning rate of an optimiser: the posterior encoder learns at the generator's. */
  private learningRateOf(name: keyof TganModel['optimizers']): number {
    return this.args.learningRates[name === 'posterior' ? 'generator' : name];
  }

  /**
   * Sets the weight average to the generator's weights (no-op without one): after loading generator
   * weights from elsewhere, e.g. a warm start from a run that kept no average.
   */
  resetGeneratorAverage(): void {
    this.average?.reset();
  }

  /** Sentence vectors [N, sentenceDim] of token ids [N, L], with the model's sentence encoder. */
  encode(captions: tf.Tensor2D): tf.Tensor2D {
    this.assertUsable();
    const encoder = this.requireEncoder();
    return tf.tidy(() => encoder.apply(captions, { training: false }) as tf.Tensor2D);
  }

  /** One discriminator update, then one generator update. */
  trainStep(batch: TganTrainBatch): TganStepResult {
    this.assertUsable();
    const { videos } = batch;
    const { frames, size, channels } = this.args;
    const n = videos.shape[0];
    const expected = [n, frames, size, size, channels];
    if (videos.rank !== 5 || videos.shape.some((d, i) => d !== expected[i])) {
      throw new RangeError(`videos must have shape [N, ${frames}, ${size}, ${size}, ${channels}], got [${videos.shape.join(', ')}]`);
    }
    let condition: Condition;
    if (this.sentenceEncoder !== undefined) {
      if (batch.captions === undefined) throw new RangeError('this model encodes its own captions: pass `captions` (token ids), not sentences');
      this.checkIds('captions', batch.captions, n);
      if (batch.wrongCaptions !== undefined) this.checkIds('wrongCaptions', batch.wrongCaptions, n);
      condition = { kind: 'ids', captions: batch.captions, wrong: batch.wrongCaptions };
    } else {
      if (batch.sentences === undefined) throw new RangeError('this model has no sentence encoder: pass `sentences`');
      this.checkRows('sentences', batch.sentences, n, this.args.sentenceDim);
      if (batch.wrongSentences !== undefined) this.checkRows('wrongSentences', batch.wrongSentences, n, this.args.sentenceDim);
      condition = { kind: 'vectors', sentences: batch.sentences, wrong: batch.wrongSentences };
    }
    if (batch.noise !== undefined) this.checkRows('noise', batch.noise, n, this.args.noiseDim);
    if (this.args.predictWords !== undefined && condition.kind !== 'ids') {
      throw new RangeError('predictWords needs the captions as token ids: give the model a sentence encoder');
    }

    const noise = batch.noise ?? this.sampleNoise(n);
    const reported: Record<string, tf.Scalar> = {};
    let encoded: tf.Tensor2D | undefined;
    const views = this.framesSeenBy(n);
    const words = condition.kind === 'ids' && this.args.predictWords !== undefined ? wordTargets(condition.captions, this.args.predictWords) : undefined;
    try {
      const dLoss = this.discriminatorStep(videos, condition, noise, reported, views, words);
      reported['dLoss'] = dLoss;
      // The generator step sees the sentence vectors of the encoder as just updated.
      if (condition.kind === 'ids') encoded = this.encode(condition.captions);
      const gLoss = this.generatorStep(encoded ?? (condition as { sentences: tf.Tensor2D }).sentences, noise, reported, views, words, videos);
      reported['gLoss'] = gLoss;
      this.average?.update(this.generatorAverageAge + this.step);
      this.step++;
      const names = Object.keys(reported);
      const values = tf.tidy(() => tf.stack(names.map((name) => reported[name]!)).dataSync());
      const parts: Record<string, number> = {};
      names.forEach((name, i) => {
        if (name !== 'dLoss' && name !== 'gLoss') parts[name] = values[i]!;
      });
      return { dLoss: values[names.indexOf('dLoss')]!, gLoss: values[names.indexOf('gLoss')]!, parts };
    } finally {
      if (batch.noise === undefined) noise.dispose();
      encoded?.dispose();
      words?.dispose();
      tf.dispose(Object.values(reported));
    }
  }

  /**
   * One warm-up update of the discriminators' word classifiers (trunk and classifier, not the matching
   * head) on real clips and their captions' token ids, before the GAN's first step. Why: a discriminator
   * that cannot yet read the digit gives the generator no reason to draw it. At GAN batch sizes (8 clips,
   * 8 digits a step) the frame trunk learns digits too slowly to matter; warm-up batches of many clips at
   * a higher rate (warmupLearningRate, own Adam) get a reader in a few hundred updates: the small
   * preset's frame trunk, 64 clips a step at 2e-3, named the digit of held-out frames in 91% of cases
   * after 250 updates. `round` seeds the frames the frame and motion discriminators see. Returns the
   * summed word loss. Call `endWarmUp` when done (frees the warm-up optimiser).
   */
  warmUpWords(videos: tf.Tensor5D, captions: tf.Tensor2D, round: number): number {
    this.assertUsable();
    if (this.step !== 0) throw new Error(`warmUpWords belongs before the first train step (this model has done ${this.step})`);
    if (this.args.predictWords === undefined) throw new Error('warmUpWords needs predictWords (the word classifiers)');
    const n = videos.shape[0];
    this.checkIds('captions', captions, n);
    this.warmupOptimizer ??= tf.train.adam(this.args.warmupLearningRate, this.args.adamBeta1, this.args.adamBeta2);
    const readers = this.discriminators.filter((d) => d.words !== undefined);
    const views = this.framesSeenBy(n, `warmup-${round}`);
    const words = wordTargets(captions, this.args.predictWords);
    try {
      const variables = readers.flatMap((d) => [...trainableVariables(d.trunk), ...trainableVariables(d.words!)]);
      const loss = this.warmupOptimizer.minimize(
        () =>
          tf.addN(readers.map((d) => wordPredictionLoss(d.words!.apply(d.trunk.apply(views.get(d.kind)!(videos), { training: true }), { training: true }) as tf.Tensor2D, words, this.wordMask(d.kind)))) as tf.Scalar,
        true,
        variables,
      )!;
      try {
        return loss.dataSync()[0]!;
      } finally {
        loss.dispose();
      }
    } finally {
      words.dispose();
    }
  }

  /** Frees the optimiser of warmUpWords (a later warmUpWords starts a fresh one). */
  endWarmUp(): void {
    this.warmupOptimizer?.dispose();
    this.warmupOptimizer = undefined;
  }

  /** Parameter counts (weights of batch norm's moving statistics included). */
  countParams(): Record<'generator' | 'encoder' | DiscriminatorKind | 'total', number> {
    const counts = { generator: this.generator.countParams(), encoder: this.sentenceEncoder?.countParams() ?? 0, video: 0, frame: 0, motion: 0, total: 0 };
    for (const d of this.discriminators) counts[d.kind] = d.model.countParams() + (d.words?.countParams() ?? 0);
    counts.total = counts.generator + counts.encoder + counts.video + counts.frame + counts.motion;
    return counts;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generator.dispose();
    this.averageGenerator?.dispose();
    this.sentenceEncoder?.dispose();
    this.posterior?.dispose();
    tf.dispose(Object.values(this.wordMasks));
    for (const d of this.discriminators) disposeDiscriminator(d);
    for (const optimizer of Object.values(this.optimizers)) optimizer?.dispose();
    this.endWarmUp();
  }

  // -------------------------------------------------------------------------------------------------

  /**
   * What each discriminator sees of a batch of clips this step: all of it, or the frames selected for it;
   * plus instance noise when it is on (each call draws its own, seeded by the step and the call's order).
   */
  private framesSeenBy(n: number, round: number | string = this.step): Map<DiscriminatorKind, (videos: tf.Tensor5D) => tf.Tensor5D> {
    const views = new Map<DiscriminatorKind, (videos: tf.Tensor5D) => tf.Tensor5D>();
    const { frames, frameSamples, motionWindow, seed, instanceNoise, instanceNoiseSteps } = this.args;
    const step = this.step;
    const sigma = instanceNoiseSteps === undefined ? instanceNoise : instanceNoise * Math.max(0, 1 - step / instanceNoiseSteps);
    let draws = 0;
    const noisy = (v: tf.Tensor5D): tf.Tensor5D =>
      sigma > 0 ? tf.add(v, tf.randomNormal(v.shape, 0, sigma, 'float32', deriveSeed(seed, `instance-noise/${round}/${draws++}`))) : v;
    for (const d of this.discriminators) {
      const count = d.kind === 'frame' ? frameSamples : d.kind === 'motion' ? motionWindow : undefined;
      if (count === undefined || count === frames) views.set(d.kind, (v) => noisy(v));
      else {
        const selection = frameSelection(d.kind as 'frame' | 'motion', n, frames, count, seed, round);
        views.set(d.kind, (v) => noisy(selectFrames(v, selection)));
      }
    }
    return views;
  }

  private discriminatorStep(
    videos: tf.Tensor5D,
    condition: Condition,
    noise: tf.Tensor2D,
    reported: Record<string, tf.Scalar>,
    views: Map<DiscriminatorKind, (videos: tf.Tensor5D) => tf.Tensor5D>,
    words: tf.Tensor2D | undefined,
  ): tf.Scalar {
    const n = videos.shape[0];
    // G's input sentences: the encoder's current vectors, outside the tape (G is not updated here).
    const fake = tf.tidy(() => {
      const sentences = condition.kind === 'ids' ? this.encode(condition.captions) : condition.sentences;
      return this.generator.apply([noise, sentences], { training: true }) as tf.Tensor5D;
    });
    const hasWrong = condition.wrong !== undefined;
    const matchingWeights = hasWrong ? this.args.matchingWeights : { ...this.args.matchingWeights, wrong: 0 };
    try {
      const encoder = condition.kind === 'ids' ? this.sentenceEncoder! : undefined;
      const variables = [
        ...this.discriminators.flatMap((d) => [...trainableVariables(d.model), ...(d.words ? trainableVariables(d.words) : [])]),
        ...(encoder !== undefined ? trainableVariables(encoder) : []),
      ];
      const { value, grads } = tf.variableGrads(() => {
        let sentences: tf.Tensor2D;
        let wrong: tf.Tensor2D;
        if (condition.kind === 'ids') {
          // One encoder pass over right and wrong captions; the wrong half is a copy of the right one
          // when there is no mismatched caption (its term then has weight 0).
          const ids = tf.concat([condition.captions, condition.wrong ?? condition.captions], 0);
          const both = encoder!.apply(ids, { training: true }) as tf.Tensor2D;
          [sentences, wrong] = tf.split(both, [n, n], 0) as [tf.Tensor2D, tf.Tensor2D];
        } else {
          sentences = condition.sentences;
          wrong = condition.wrong ?? condition.sentences;
        }
        const losses: Record<string, tf.Scalar> = {};
        const pairSentences = tf.concat([sentences, sentences, wrong], 0);
        for (const d of this.discriminators) {
          const view = views.get(d.kind)!;
          const real = d.trunk.apply(view(videos), { training: true }) as tf.Tensor;
          const generated = d.trunk.apply(view(fake), { training: true }) as tf.Tensor;
          const blind = this.judgesWithoutCaption(d.kind);
          const logits = d.head.apply([tf.concat([real, generated, real], 0), blind ? tf.zerosLike(pairSentences) : pairSentences], { training: true }) as tf.Tensor2D;
          const [realRight, fakeRight, realWrong] = tf.split(logits, 3, 0);
          const m = matchingDiscriminatorLoss({ realRight: realRight!, fakeRight: fakeRight!, realWrong: realWrong! }, blind ? { ...matchingWeights, wrong: 0 } : matchingWeights, this.args.realLabel, this.args.adversarialLoss);
          const label = capitalise(d.kind);
          losses[d.kind] = m.loss;
          reported[`d${label}`] = tf.keep(m.loss);
          reported[`d${label}Real`] = tf.keep(m.realTerm);
          reported[`d${label}Fake`] = tf.keep(m.fakeTerm);
          if (hasWrong && !blind) reported[`d${label}Wrong`] = tf.keep(m.wrongTerm);
          if (d.words !== undefined && words !== undefined) {
            // Learnt from real clips only: generated ones would teach it the generator's mistakes.
            const key = wordLossKey(d.kind);
            losses[key] = wordPredictionLoss(d.words.apply(real, { training: true }) as tf.Tensor2D, words, this.wordMask(d.kind));
            reported[`d${capitalise(key)}`] = tf.keep(losses[key]!);
          }
        }
        return weightedSum(losses, { ...this.args.lossWeights, ...this.wordLossWeights() });
      }, variables);
      try {
        const groups: [tf.AdamOptimizer, tf.LayersModel[]][] = this.discriminators.map((d) => [this.optimizers[d.kind]!, d.words ? [d.model, d.words] : [d.model]]);
        if (encoder !== undefined) groups.push([this.optimizers.encoder!, [encoder]]);
        for (const [optimizer, models] of groups) {
          const own: { name: string; tensor: tf.Tensor }[] = [];
          for (const v of models.flatMap(trainableVariables)) {
            const tensor = grads[v.name];
            if (tensor !== undefined) own.push({ name: v.name, tensor });
          }
          if (own.length > 0) optimizer.applyGradients(own);
        }
      } finally {
        tf.dispose(grads);
      }
      return value;
    } finally {
      fake.dispose();
    }
  }

  private generatorStep(
    sentences: tf.Tensor2D,
    noise: tf.Tensor2D,
    reported: Record<string, tf.Scalar>,
    views: Map<DiscriminatorKind, (videos: tf.Tensor5D) => tf.Tensor5D>,
    words: tf.Tensor2D | undefined,
    videos: tf.Tensor5D,
  ): tf.Scalar {
    const posterior = this.posterior;
    const variables = [...trainableVariables(this.generator), ...(posterior !== undefined ? trainableVariables(posterior) : [])];
    const { value, grads } = tf.variableGrads(() => {
      const losses: Record<string, tf.Scalar> = {};
      let fake: tf.Tensor5D;
      if (posterior === undefined) fake = this.generator.apply([noise, sentences], { training: true }) as tf.Tensor5D;
      else {
        // One generator pass over [prior noise ; the real clips' z], both with the batch's captions.
        const n = noise.shape[0];
        const moments = posterior.apply(videos, { training: true }) as tf.Tensor2D;
        const eps = sampleNoise(n, this.args.noiseDim, deriveSeed(this.args.seed, `posterior/${this.step}`));
        const { z, kl } = samplePosterior(moments, eps);
        const both = this.generator.apply([tf.concat([noise, z], 0), tf.concat([sentences, sentences], 0)], { training: true }) as tf.Tensor5D;
        const [prior, reconstructed] = tf.split(both, [n, n], 0) as [tf.Tensor5D, tf.Tensor5D];
        fake = prior;
        losses['reconstruction'] = tf.mean(tf.abs(tf.sub(reconstructed, videos))) as tf.Scalar;
        losses['kl'] = kl;
        reported['reconstruction'] = tf.keep(losses['reconstruction']);
        reported['kl'] = tf.keep(kl);
      }
      for (const d of this.discriminators) {
        const features = d.trunk.apply(views.get(d.kind)!(fake), { training: true }) as tf.Tensor;
        const logits = d.head.apply([features, this.judgesWithoutCaption(d.kind) ? tf.zerosLike(sentences) : sentences], { training: true }) as tf.Tensor;
        losses[d.kind] = generatorAdversarialLoss(logits, this.args.adversarialLoss);
        reported[`g${capitalise(d.kind)}`] = tf.keep(losses[d.kind]!);
        if (d.words !== undefined && words !== undefined) {
          const key = wordLossKey(d.kind);
          losses[key] = wordPredictionLoss(d.words.apply(features, { training: true }) as tf.Tensor2D, words, this.wordMask(d.kind));
          reported[`g${capitalise(key)}`] = tf.keep(losses[key]!);
        }
      }
      losses['temporalCoherence'] = temporalCoherenceLoss(fake);
      reported['temporalCoherence'] = tf.keep(losses['temporalCoherence']);
      if (this.args.modeSeekingWeight > 0) {
        // The second draw is seeded by the step too, so a resumed run draws the same one.
        const other = sampleNoise(noise.shape[0], this.args.noiseDim, deriveSeed(this.args.seed, `mode-seeking/${this.step}`));
        const fake2 = this.generator.apply([other, sentences], { training: true }) as tf.Tensor5D;
        losses['modeSeeking'] = tf.div(tf.mean(tf.abs(tf.sub(noise, other))), tf.add(tf.mean(tf.abs(tf.sub(fake, fake2))), 1e-5)) as tf.Scalar;
        reported['modeSeeking'] = tf.keep(losses['modeSeeking']);
      }
      return weightedSum(losses, {
        ...this.args.lossWeights,
        temporalCoherence: this.args.temporalCoherenceWeight,
        ...this.wordLossWeights(),
        modeSeeking: this.args.modeSeekingWeight,
        reconstruction: this.args.reconstructionWeight,
        kl: this.args.klWeight,
      });
    }, variables);
    try {
      const own = (model: tf.LayersModel) => trainableVariables(model).flatMap((v) => (grads[v.name] !== undefined ? [{ name: v.name, tensor: grads[v.name]! }] : []));
      this.optimizers.generator.applyGradients(own(this.generator));
      if (posterior !== undefined) this.optimizers.posterior!.applyGradients(own(posterior));
    } finally {
      tf.dispose(grads);
    }
    return value;
  }

  /** Heads that judge without the caption (captionFreeHeads; the frame one with frameWordIds). */
  private judgesWithoutCaption(kind: DiscriminatorKind): boolean {
    return this.args.captionFreeHeads.includes(kind) || (kind === 'frame' && this.args.frameWordIds !== undefined);
  }

  /** The words a discriminator's word classifier learns (undefined: all of them). */
  private wordMask(kind: DiscriminatorKind): tf.Tensor1D | undefined {
    return this.wordMasks[kind];
  }

  /** The weight of every word classifier's loss, by its key in the losses. */
  private wordLossWeights(): Record<string, number> {
    return Object.fromEntries(this.discriminators.filter((d) => d.words !== undefined).map((d) => [wordLossKey(d.kind), this.args.wordLossWeight]));
  }

  private checkRows(name: string, t: tf.Tensor, rows: number, columns: number): void {
    if (t.rank !== 2 || t.shape[0] !== rows || t.shape[1] !== columns) {
      throw new RangeError(`${name} must have shape [${rows}, ${columns}], got [${t.shape.join(', ')}]`);
    }
  }

  private checkIds(name: string, t: tf.Tensor, rows: number): void {
    if (t.rank !== 2 || t.shape[0] !== rows || t.dtype !== 'int32') {
      throw new RangeError(`${name} must be int32 token ids of shape [${rows}, L], got ${t.dtype} [${t.shape.join(', ')}]`);
    }
  }

  private requireEncoder(): tf.LayersModel {
    if (this.sentenceEncoder === undefined) throw new Error('this TganModel has no sentence encoder');
    return this.sentenceEncoder;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('this TganModel has been disposed');
  }
}

type Condition =
  | { kind: 'vectors'; sentences: tf.Tensor2D; wrong: tf.Tensor2D | undefined }
  | { kind: 'ids'; captions: tf.Tensor2D; wrong: tf.Tensor2D | undefined };

function resolve(args: Omit<TganModelArgs, 'sentenceEncoder'>): ResolvedArgs {
  const rates = { generator: DEFAULT_LEARNING_RATE, encoder: DEFAULT_LEARNING_RATE, video: DEFAULT_LEARNING_RATE, frame: DEFAULT_LEARNING_RATE, motion: DEFAULT_LEARNING_RATE, ...args.learningRates };
  eachEntry('learningRates', rates, positiveNumber);
  const lossWeights = { video: 1, frame: 1, motion: 1, ...args.lossWeights };
  eachEntry('lossWeights', lossWeights, nonNegativeNumber);
  const matchingWeights = { ...DEFAULT_MATCHING_WEIGHTS, ...args.matchingWeights };
  eachEntry('matchingWeights', matchingWeights, nonNegativeNumber);
  const realLabel = args.realLabel ?? 1;
  if (!(Number.isFinite(realLabel) && realLabel > 0.5 && realLabel <= 1)) throw new RangeError(`realLabel must be in (0.5, 1], got ${realLabel}`);
  const adversarialLoss = args.adversarialLoss ?? 'bce';
  if (adversarialLoss !== 'bce' && adversarialLoss !== 'hinge') throw new RangeError(`adversarialLoss must be 'bce' or 'hinge', got ${String(adversarialLoss)}`);
  if (adversarialLoss === 'hinge' && realLabel !== 1) throw new RangeError(`realLabel ${realLabel} is for the bce loss; the hinge loss has its margin instead`);
  const instanceNoise = args.instanceNoise ?? 0;
  if (!(Number.isFinite(instanceNoise) && instanceNoise >= 0)) throw new RangeError(`instanceNoise must be a number >= 0, got ${instanceNoise}`);
  if (args.instanceNoiseSteps !== undefined && !(Number.isSafeInteger(args.instanceNoiseSteps) && args.instanceNoiseSteps >= 1)) {
    throw new RangeError(`instanceNoiseSteps must be a whole number >= 1, got ${args.instanceNoiseSteps}`);
  }
  const wordLossWeight = args.wordLossWeight ?? 1;
  nonNegativeNumber('wordLossWeight', wordLossWeight);
  const warmupLearningRate = args.warmupLearningRate ?? 2e-3;
  positiveNumber('warmupLearningRate', warmupLearningRate);
  const modeSeekingWeight = args.modeSeekingWeight ?? 0;
  nonNegativeNumber('modeSeekingWeight', modeSeekingWeight);
  const reconstructionWeight = args.reconstructionWeight ?? 0;
  nonNegativeNumber('reconstructionWeight', reconstructionWeight);
  const klWeight = args.klWeight ?? 0.01;
  nonNegativeNumber('klWeight', klWeight);
  const generatorAverage = args.generatorAverage ?? 0;
  if (!(generatorAverage >= 0 && generatorAverage < 1)) throw new RangeError(`generatorAverage must be in [0, 1) (0: off), got ${generatorAverage}`);
  const { frameWordIds, videoWordIds } = args;
  for (const [name, ids] of [['frameWordIds', frameWordIds], ['videoWordIds', videoWordIds]] as const) {
    if (ids === undefined) continue;
    if (ids.length === 0) throw new RangeError(`${name} must name at least one word (or be left out)`);
    for (const id of ids) {
      if (!(Number.isInteger(id) && id >= 0 && (args.predictWords === undefined || id < args.predictWords))) {
        throw new RangeError(`${name} must be vocabulary ids${args.predictWords !== undefined ? ` below ${args.predictWords}` : ''}, got ${id}`);
      }
    }
  }
  const captionFreeHeads = [...(args.captionFreeHeads ?? [])];
  for (const kind of captionFreeHeads) if (kind !== 'video' && kind !== 'frame' && kind !== 'motion') throw new RangeError(`captionFreeHeads: unknown discriminator ${String(kind)}`);
  const adamBeta1 = args.adamBeta1 ?? 0.5;
  const adamBeta2 = args.adamBeta2 ?? 0.999;
  unitFraction('adamBeta1', adamBeta1);
  unitFraction('adamBeta2', adamBeta2);
  return {
    ...args,
    seed: args.seed ?? 0,
    learningRates: rates,
    lossWeights,
    matchingWeights,
    adamBeta1,
    adamBeta2,
    temporalCoherenceWeight: args.temporalCoherenceWeight ?? 0,
    realLabel,
    adversarialLoss,
    instanceNoise,
    wordLossWeight,
    warmupLearningRate,
    modeSeekingWeight,
    reconstructionWeight,
    klWeight,
    generatorAverage,
    frameWordIds,
    videoWordIds,
    captionFreeHeads,
  };
}

/** Token ids [N, L] -> the multi-hot words [N, vocabulary] the word classifier is trained to predict. */
function wordTargets(ids: tf.Tensor2D, vocabulary: number): tf.Tensor2D {
  const layer = new BagOfWords({ vocabSize: vocabulary });
  return tf.tidy(() => layer.apply(ids) as tf.Tensor2D);
}

function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** 'words' (reported as dWords / gWords) for the video discriminator's classifier, '<kind>Words' for the others. */
function wordLossKey(kind: DiscriminatorKind): string {
  return kind === 'video' ? 'words' : `${kind}Words`;
}

function capitalise(kind: string): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}
