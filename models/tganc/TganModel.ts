/**
 * TGANs-C training: the generator, the video and frame discriminators (and the motion discriminator when
 * `useMotionDiscriminator`), one Adam optimiser per network, and `trainStep`, which does one discriminator
 * update then one generator update on a batch of (clip, caption, mismatched caption).
 *
 * Sentences come in as tensors: the text encoder (and its gradients) is wired by a later stage.
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
import { buildDiscriminator, discriminatorArgsFrom } from './discriminators.ts';
import type { Discriminator, DiscriminatorKind } from './discriminators.ts';
import { buildGenerator, generatorArgsFrom } from './generator.ts';
import {
  DEFAULT_MATCHING_WEIGHTS,
  generatorAdversarialLoss,
  matchingDiscriminatorLoss,
  temporalCoherenceLoss,
  weightedSum,
} from './losses.ts';
import type { MatchingWeights } from './losses.ts';
import { deriveSeed, sampleNoise } from './seeds.ts';

export interface TganLearningRates {
  generator: number;
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
}

export interface TganTrainBatch {
  /** Real clips [N, frames, size, size, channels] in [-1, 1]. */
  videos: tf.Tensor5D;
  /** Their captions' sentence vectors [N, sentenceDim]. */
  sentences: tf.Tensor2D;
  /** Mismatched captions' sentence vectors [N, sentenceDim]. */
  wrongSentences: tf.Tensor2D;
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

type ResolvedArgs = TganModelArgs & {
  seed: number;
  learningRates: TganLearningRates;
  lossWeights: TganLossWeights;
  matchingWeights: MatchingWeights;
  adamBeta1: number;
  adamBeta2: number;
  temporalCoherenceWeight: number;
};

const DEFAULT_LEARNING_RATE = 2e-4;

export class TganModel {
  readonly args: Readonly<ResolvedArgs>;
  readonly generator: tf.LayersModel;
  /** video, frame, and (when enabled) motion, in that order. */
  readonly discriminators: readonly Discriminator[];
  readonly optimizers: Readonly<{ generator: tf.AdamOptimizer } & Partial<Record<DiscriminatorKind, tf.AdamOptimizer>>>;
  /** Completed train steps (the noise seed of the next step depends on it). */
  step = 0;
  private disposed = false;

  constructor(args: TganModelArgs) {
    validateTganArgs(args);
    this.args = resolve(args);
    this.generator = buildGenerator(generatorArgsFrom(this.args));
    const kinds: DiscriminatorKind[] = this.args.useMotionDiscriminator ? ['video', 'frame', 'motion'] : ['video', 'frame'];
    this.discriminators = kinds.map((kind) => buildDiscriminator(discriminatorArgsFrom(this.args, kind)));
    const adam = (lr: number): tf.AdamOptimizer => tf.train.adam(lr, this.args.adamBeta1, this.args.adamBeta2);
    const optimizers: { generator: tf.AdamOptimizer } & Partial<Record<DiscriminatorKind, tf.AdamOptimizer>> = {
      generator: adam(this.args.learningRates.generator),
    };
    for (const kind of kinds) optimizers[kind] = adam(this.args.learningRates[kind]);
    this.optimizers = optimizers;
  }

  discriminator(kind: DiscriminatorKind): Discriminator | undefined {
    return this.discriminators.find((d) => d.kind === kind);
  }

  /** Standard normal noise [batch, noiseDim]; the seed defaults to the one step `step` would use. */
  sampleNoise(batch: number, seed = deriveSeed(this.args.seed, `noise/${this.step}`)): tf.Tensor2D {
    return sampleNoise(batch, this.args.noiseDim, seed);
  }

  /** Clips [N, frames, size, size, channels] in [-1, 1]; batch norm uses its moving statistics unless training. */
  generate(noise: tf.Tensor2D, sentences: tf.Tensor2D, options: { training?: boolean } = {}): tf.Tensor5D {
    this.assertUsable();
    this.checkRows('noise', noise, noise.shape[0], this.args.noiseDim);
    this.checkRows('sentences', sentences, noise.shape[0], this.args.sentenceDim);
    return tf.tidy(() => this.generator.apply([noise, sentences], { training: options.training ?? false }) as tf.Tensor5D);
  }

  /** One discriminator update, then one generator update. */
  trainStep(batch: TganTrainBatch): TganStepResult {
    this.assertUsable();
    const { videos, sentences, wrongSentences } = batch;
    const { frames, size, channels } = this.args;
    const n = videos.shape[0];
    const expected = [n, frames, size, size, channels];
    if (videos.rank !== 5 || videos.shape.some((d, i) => d !== expected[i])) {
      throw new RangeError(`videos must have shape [N, ${frames}, ${size}, ${size}, ${channels}], got [${videos.shape.join(', ')}]`);
    }
    this.checkRows('sentences', sentences, n, this.args.sentenceDim);
    this.checkRows('wrongSentences', wrongSentences, n, this.args.sentenceDim);
    if (batch.noise !== undefined) this.checkRows('noise', batch.noise, n, this.args.noiseDim);

    const noise = batch.noise ?? this.sampleNoise(n);
    const reported: Record<string, tf.Scalar> = {};
    try {
      const dLoss = this.discriminatorStep(videos, sentences, wrongSentences, noise, reported);
      reported['dLoss'] = dLoss;
      const gLoss = this.generatorStep(sentences, noise, reported);
      reported['gLoss'] = gLoss;
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
      tf.dispose(Object.values(reported));
    }
  }

  /** Parameter counts (weights of batch norm's moving statistics included). */
  countParams(): Record<'generator' | DiscriminatorKind | 'total', number> {
    const counts = { generator: this.generator.countParams(), video: 0, frame: 0, motion: 0, total: 0 };
    for (const d of this.discriminators) counts[d.kind] = d.model.countParams();
    counts.total = counts.generator + counts.video + counts.frame + counts.motion;
    return counts;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generator.dispose();
    for (const d of this.discriminators) d.model.dispose();
    for (const optimizer of Object.values(this.optimizers)) optimizer?.dispose();
  }

  // -------------------------------------------------------------------------------------------------

  private discriminatorStep(
    videos: tf.Tensor5D,
    sentences: tf.Tensor2D,
    wrongSentences: tf.Tensor2D,
    noise: tf.Tensor2D,
    reported: Record<string, tf.Scalar>,
  ): tf.Scalar {
    const fake = tf.tidy(() => this.generator.apply([noise, sentences], { training: true }) as tf.Tensor5D);
    try {
      const variables = this.discriminators.flatMap((d) => trainableVariables(d.model));
      const { value, grads } = tf.variableGrads(() => {
        const losses: Record<string, tf.Scalar> = {};
        const pairSentences = tf.concat([sentences, sentences, wrongSentences], 0);
        for (const d of this.discriminators) {
          const real = d.trunk.apply(videos, { training: true }) as tf.Tensor;
          const generated = d.trunk.apply(fake, { training: true }) as tf.Tensor;
          const logits = d.head.apply([tf.concat([real, generated, real], 0), pairSentences], { training: true }) as tf.Tensor2D;
          const [realRight, fakeRight, realWrong] = tf.split(logits, 3, 0);
          const m = matchingDiscriminatorLoss({ realRight: realRight!, fakeRight: fakeRight!, realWrong: realWrong! }, this.args.matchingWeights);
          const label = capitalise(d.kind);
          losses[d.kind] = m.loss;
          reported[`d${label}`] = tf.keep(m.loss);
          reported[`d${label}Real`] = tf.keep(m.realTerm);
          reported[`d${label}Fake`] = tf.keep(m.fakeTerm);
          reported[`d${label}Wrong`] = tf.keep(m.wrongTerm);
        }
        return weightedSum(losses, { ...this.args.lossWeights });
      }, variables);
      try {
        for (const d of this.discriminators) {
          const own: { name: string; tensor: tf.Tensor }[] = [];
          for (const v of trainableVariables(d.model)) {
            const tensor = grads[v.name];
            if (tensor !== undefined) own.push({ name: v.name, tensor });
          }
          if (own.length > 0) this.optimizers[d.kind]!.applyGradients(own);
        }
      } finally {
        tf.dispose(grads);
      }
      return value;
    } finally {
      fake.dispose();
    }
  }

  private generatorStep(sentences: tf.Tensor2D, noise: tf.Tensor2D, reported: Record<string, tf.Scalar>): tf.Scalar {
    const { value, grads } = tf.variableGrads(() => {
      const fake = this.generator.apply([noise, sentences], { training: true }) as tf.Tensor5D;
      const losses: Record<string, tf.Scalar> = {};
      for (const d of this.discriminators) {
        const features = d.trunk.apply(fake, { training: true }) as tf.Tensor;
        const logits = d.head.apply([features, sentences], { training: true }) as tf.Tensor;
        losses[d.kind] = generatorAdversarialLoss(logits);
        reported[`g${capitalise(d.kind)}`] = tf.keep(losses[d.kind]!);
      }
      losses['temporalCoherence'] = temporalCoherenceLoss(fake);
      reported['temporalCoherence'] = tf.keep(losses['temporalCoherence']);
      return weightedSum(losses, { ...this.args.lossWeights, temporalCoherence: this.args.temporalCoherenceWeight });
    }, trainableVariables(this.generator));
    try {
      this.optimizers.generator.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    } finally {
      tf.dispose(grads);
    }
    return value;
  }

  private checkRows(name: string, t: tf.Tensor, rows: number, columns: number): void {
    if (t.rank !== 2 || t.shape[0] !== rows || t.shape[1] !== columns) {
      throw new RangeError(`${name} must have shape [${rows}, ${columns}], got [${t.shape.join(', ')}]`);
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('this TganModel has been disposed');
  }
}

function resolve(args: TganModelArgs): ResolvedArgs {
  const rates = { generator: DEFAULT_LEARNING_RATE, video: DEFAULT_LEARNING_RATE, frame: DEFAULT_LEARNING_RATE, motion: DEFAULT_LEARNING_RATE, ...args.learningRates };
  for (const [name, lr] of Object.entries(rates)) {
    if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`learningRates.${name} must be a positive number, got ${lr}`);
  }
  const lossWeights = { video: 1, frame: 1, motion: 1, ...args.lossWeights };
  for (const [name, w] of Object.entries(lossWeights)) {
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`lossWeights.${name} must be a finite number >= 0, got ${w}`);
  }
  const matchingWeights = { ...DEFAULT_MATCHING_WEIGHTS, ...args.matchingWeights };
  for (const [name, w] of Object.entries(matchingWeights)) {
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`matchingWeights.${name} must be a finite number >= 0, got ${w}`);
  }
  const adamBeta1 = args.adamBeta1 ?? 0.5;
  const adamBeta2 = args.adamBeta2 ?? 0.999;
  for (const [name, b] of [['adamBeta1', adamBeta1], ['adamBeta2', adamBeta2]] as const) {
    if (!(Number.isFinite(b) && b >= 0 && b < 1)) throw new RangeError(`${name} must be in [0, 1), got ${b}`);
  }
  return {
    ...args,
    seed: args.seed ?? 0,
    learningRates: rates,
    lossWeights,
    matchingWeights,
    adamBeta1,
    adamBeta2,
    temporalCoherenceWeight: args.temporalCoherenceWeight ?? 0,
  };
}

function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

function capitalise(kind: string): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}
