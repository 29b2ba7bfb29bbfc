/**
 * Training and rolling out the text-conditioned U-Net next-frame predictor: the predictor (predictor.ts),
 * a caption-conditioned frame discriminator (the TGANs-C frame discriminator of
 * models/tganc/discriminators.ts, built for clips of one frame), one Adam optimiser each.
 *
 * Two phases, chosen by the step number so that a resumed run picks the same one:
 * - mse (steps before `adversarialFromStep`, or always when advWeight is 0): no discriminator step;
 *   the predictor minimises mseWeight · MSE(predicted, true next frame).
 * - adversarial: first one discriminator update (the predicted frames computed outside the gradient
 *   tape), matching-aware as in TGANs-C: (real next frame, right caption) -> real; (predicted frame,
 *   right caption) and (real next frame, wrong caption) -> fake; sigmoid cross-entropy on the logits
 *   (models/tganc/losses.ts). The trunk runs once on the real and once on the predicted frames (batch
 *   norm sees each batch on its own) and the real features serve the wrong-caption pairs too. Then one
 *   predictor update on mseWeight · MSE + advWeight · BCE(D(predicted, caption), 1). The discriminator
 *   runs in training mode in both updates (as in TganModel); only the predictor's weights move in the
 *   second.
 *
 * Captions come in as sentence vectors [N, sentenceDim]: the caller encodes them (e.g. with
 * models/text/bagOfWordsEncoder.ts or LstmSentenceEncoder), so the model does not care how.
 *
 * Determinism: every initial weight is seeded from `seed` and its layer's name, and a step draws no random
 * numbers, so on one backend the same args and batches give bit-identical weights and losses.
 */
import * as tf from '@tensorflow/tfjs';
import { validateUnetArgs } from './UnetConfig.ts';
import type { UnetArgs } from './UnetConfig.ts';
import { buildPredictor, predictorArgsFrom } from './predictor.ts';
import { repeatFrame, slideWindow } from './frameWindows.ts';
import { buildDiscriminator, disposeDiscriminator } from '../tganc/discriminators.ts';
import type { Discriminator, DiscriminatorArgs } from '../tganc/discriminators.ts';
import { DEFAULT_MATCHING_WEIGHTS, generatorAdversarialLoss, matchingDiscriminatorLoss } from '../tganc/losses.ts';
import type { MatchingWeights } from '../tganc/losses.ts';
import { eachEntry, nonNegativeNumber, positiveNumber, unitFraction } from '../../utils/argChecks.ts';

export interface UnetLearningRates {
  predictor: number;
  discriminator: number;
}

export interface UnetModelArgs extends UnetArgs {
  /** Adam learning rates per network; default 2e-4 each. */
  learningRates?: Partial<UnetLearningRates>;
  /** Adam beta1 (default 0.5) and beta2 (default 0.999). */
  adamBeta1?: number;
  adamBeta2?: number;
  /** Weight of the MSE against the true next frame in the predictor's loss. Default 1. */
  mseWeight?: number;
  /** Weight of the adversarial loss in the predictor's loss; 0 (default): MSE only, no discriminator step. */
  advWeight?: number;
  /** The first step of the adversarial phase (steps count from 0); default 0. */
  adversarialFromStep?: number;
  /** Weights of the discriminator's (real, right) / (fake, right) / (real, wrong) terms; default 1 each. */
  matchingWeights?: Partial<MatchingWeights>;
  /** The discriminator's target for (real, right) pairs: 1 (default) or e.g. 0.9 (one-sided smoothing). */
  realLabel?: number;
}

export interface UnetTrainBatch {
  /** The windows: d consecutive frames [N, d, size, size, channels] in [-1, 1]. */
  frames: tf.Tensor5D;
  /** The frame after each window [N, size, size, channels] in [-1, 1] (frameWindows.ts cuts both). */
  next: tf.Tensor4D;
  /** The clips' captions as sentence vectors [N, sentenceDim]. */
  sentences: tf.Tensor2D;
  /**
   * Mismatched captions' sentence vectors [N, sentenceDim]. Absent: the (real, wrong) term is left out
   * of this step's discriminator loss (e.g. a batch whose captions are all equal).
   */
  wrongSentences?: tf.Tensor2D | undefined;
}

export type UnetPhase = 'mse' | 'adversarial';

export interface UnetStepResult {
  phase: UnetPhase;
  /** The predictor's loss: mseWeight · mse (+ advWeight · adversarial). */
  loss: number;
  /** Mean squared error of the predicted next frames (pixels in [-1, 1]). */
  mse: number;
  /** Adversarial phase only: the predictor's loss against the discriminator, BCE(D(predicted, s), 1). */
  adversarial?: number;
  /** Adversarial phase only: the discriminator's weighted matching loss and its unweighted terms. */
  dLoss?: number;
  dReal?: number;
  dFake?: number;
  /** Only when the batch had wrongSentences. */
  dWrong?: number;
}

type ResolvedArgs = UnetModelArgs & {
  seed: number;
  learningRates: UnetLearningRates;
  adamBeta1: number;
  adamBeta2: number;
  mseWeight: number;
  advWeight: number;
  adversarialFromStep: number;
  matchingWeights: MatchingWeights;
  realLabel: number;
};

const DEFAULT_LEARNING_RATE = 2e-4;

/** The frame discriminator's args: the TGANs-C frame discriminator judging clips of one frame. */
export function frameDiscriminatorArgsFrom(args: UnetArgs): DiscriminatorArgs {
  validateUnetArgs(args);
  return {
    kind: 'frame',
    frames: 1,
    size: args.size,
    channels: args.channels,
    sentenceDim: args.sentenceDim,
    ...(args.conditionDim !== undefined ? { conditionDim: args.conditionDim } : {}),
    dChannels: [...args.dChannels],
    leak: args.leak,
    seed: args.seed ?? 0,
    batchNormMomentum: args.batchNormMomentum ?? 0.9,
  };
}

export class UnetModel {
  readonly args: Readonly<ResolvedArgs>;
  /** (frames [N, d, H, W, C], sentence [N, S]) -> next frame [N, H, W, C]. */
  readonly predictor: tf.LayersModel;
  /** (clip [N, 1, H, W, C], sentence) -> logits [N, 1]. */
  readonly discriminator: Discriminator;
  readonly optimizers: Readonly<{ predictor: tf.AdamOptimizer; discriminator: tf.AdamOptimizer }>;
  /** Completed train steps (the phase of the next step depends on it). */
  step = 0;
  private disposed = false;

  constructor(args: UnetModelArgs) {
    this.args = resolve(args);
    this.predictor = buildPredictor(predictorArgsFrom(this.args));
    this.discriminator = buildDiscriminator(frameDiscriminatorArgsFrom(this.args));
    const adam = (lr: number): tf.AdamOptimizer => tf.train.adam(lr, this.args.adamBeta1, this.args.adamBeta2);
    this.optimizers = { predictor: adam(this.args.learningRates.predictor), discriminator: adam(this.args.learningRates.discriminator) };
  }

  /** The phase step `step` trains in. */
  phaseAt(step: number = this.step): UnetPhase {
    return this.args.advWeight > 0 && step >= this.args.adversarialFromStep ? 'adversarial' : 'mse';
  }

  /** The next frames [N, H, W, C] in [-1, 1]; batch norm uses its moving statistics unless training. */
  predict(frames: tf.Tensor5D, sentences: tf.Tensor2D, options: { training?: boolean } = {}): tf.Tensor4D {
    this.assertUsable();
    this.checkWindow('frames', frames);
    this.checkRows('sentences', sentences, frames.shape[0], this.args.sentenceDim);
    return tf.tidy(() => this.predictor.apply([frames, sentences], { training: options.training ?? false }) as tf.Tensor4D);
  }

  /**
   * Rolls the predictor out autoregressively: from the window `first` ([N, d, H, W, C], or one frame
   * [N, H, W, C] repeated d times), predict the next frame, slide the window onto it, repeat.
   * Returns the `frames` predicted frames [N, frames, H, W, C] (the given ones not included).
   */
  rollout(first: tf.Tensor4D | tf.Tensor5D, sentences: tf.Tensor2D, frames: number, options: { training?: boolean } = {}): tf.Tensor5D {
    this.assertUsable();
    if (!(Number.isSafeInteger(frames) && frames >= 1)) throw new RangeError(`frames must be a positive integer, got ${frames}`);
    const { size, channels } = this.args;
    if (first.rank === 4) {
      const [, h, w, c] = first.shape;
      if (h !== size || w !== size || c !== channels) {
        throw new RangeError(`a first frame must have shape [N, ${size}, ${size}, ${channels}], got [${first.shape.join(', ')}]`);
      }
    } else {
      this.checkWindow('first', first as tf.Tensor5D);
    }
    const n = first.shape[0];
    this.checkRows('sentences', sentences, n, this.args.sentenceDim);
    const training = options.training ?? false;
    let window = first.rank === 4 ? repeatFrame(first as tf.Tensor4D, this.args.frames) : (first as tf.Tensor5D);
    const predicted: tf.Tensor4D[] = [];
    try {
      for (let k = 0; k < frames; k++) {
        const next = tf.tidy(() => this.predictor.apply([window, sentences], { training }) as tf.Tensor4D);
        predicted.push(next);
        if (k + 1 < frames) {
          const slid = slideWindow(window, next);
          if (window !== first) window.dispose();
          window = slid;
        }
      }
      // Joined on the [N, 1, H·W·C] views: a rank-3 concat, then one reshape.
      return tf.tidy(() => {
        const flat = predicted.map((p) => tf.reshape(p, [n, 1, size * size * channels]));
        return tf.reshape(tf.concat(flat, 1), [n, frames, size, size, channels]) as tf.Tensor5D;
      });
    } finally {
      if (window !== first) window.dispose();
      tf.dispose(predicted);
    }
  }

  /** One discriminator update (adversarial phase only), then one predictor update. */
  trainStep(batch: UnetTrainBatch): UnetStepResult {
    this.assertUsable();
    const { frames, next, sentences, wrongSentences } = batch;
    this.checkWindow('frames', frames);
    const n = frames.shape[0];
    const { size, channels, sentenceDim } = this.args;
    if (next.rank !== 4 || [n, size, size, channels].some((v, i) => next.shape[i] !== v)) {
      throw new RangeError(`next must have shape [${n}, ${size}, ${size}, ${channels}], got [${next.shape.join(', ')}]`);
    }
    this.checkRows('sentences', sentences, n, sentenceDim);
    if (wrongSentences !== undefined) this.checkRows('wrongSentences', wrongSentences, n, sentenceDim);

    const phase = this.phaseAt();
    const reported: Record<string, tf.Scalar> = {};
    try {
      if (phase === 'adversarial') reported['dLoss'] = this.discriminatorStep(batch, reported);
      reported['loss'] = this.predictorStep(batch, phase === 'adversarial', reported);
      this.step++;
      const names = Object.keys(reported);
      const values = tf.tidy(() => tf.stack(names.map((name) => reported[name]!)).dataSync());
      const read = (name: string): number | undefined => (name in reported ? values[names.indexOf(name)]! : undefined);
      const result: UnetStepResult = { phase, loss: read('loss')!, mse: read('mse')! };
      for (const name of ['adversarial', 'dLoss', 'dReal', 'dFake', 'dWrong'] as const) {
        const value = read(name);
        if (value !== undefined) result[name] = value;
      }
      return result;
    } finally {
      tf.dispose(Object.values(reported));
    }
  }

  /** Parameter counts (batch-norm moving statistics included). */
  countParams(): { predictor: number; discriminator: number; total: number } {
    const predictor = this.predictor.countParams();
    const discriminator = this.discriminator.model.countParams();
    return { predictor, discriminator, total: predictor + discriminator };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.predictor.dispose();
    disposeDiscriminator(this.discriminator);
    this.optimizers.predictor.dispose();
    this.optimizers.discriminator.dispose();
  }

  // -------------------------------------------------------------------------------------------------

  private discriminatorStep(batch: UnetTrainBatch, reported: Record<string, tf.Scalar>): tf.Scalar {
    const { frames, next, sentences, wrongSentences } = batch;
    const d = this.discriminator;
    const predicted = tf.tidy(() => this.predictor.apply([frames, sentences], { training: true }) as tf.Tensor4D);
    const weights = wrongSentences !== undefined ? this.args.matchingWeights : { ...this.args.matchingWeights, wrong: 0 };
    try {
      const { value, grads } = tf.variableGrads(() => {
        const real = d.trunk.apply(asClip(next), { training: true }) as tf.Tensor;
        const fake = d.trunk.apply(asClip(predicted), { training: true }) as tf.Tensor;
        const pairSentences = tf.concat([sentences, sentences, wrongSentences ?? sentences], 0);
        const logits = d.head.apply([tf.concat([real, fake, real], 0), pairSentences], { training: true }) as tf.Tensor2D;
        const [realRight, fakeRight, realWrong] = tf.split(logits, 3, 0);
        const m = matchingDiscriminatorLoss({ realRight: realRight!, fakeRight: fakeRight!, realWrong: realWrong! }, weights, this.args.realLabel);
        reported['dReal'] = tf.keep(m.realTerm);
        reported['dFake'] = tf.keep(m.fakeTerm);
        if (wrongSentences !== undefined) reported['dWrong'] = tf.keep(m.wrongTerm);
        return m.loss;
      }, trainableVariables(d.model));
      try {
        this.optimizers.discriminator.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      } finally {
        tf.dispose(grads);
      }
      return value;
    } finally {
      predicted.dispose();
    }
  }

  private predictorStep(batch: UnetTrainBatch, adversarial: boolean, reported: Record<string, tf.Scalar>): tf.Scalar {
    const { frames, next, sentences } = batch;
    const { mseWeight, advWeight } = this.args;
    const { value, grads } = tf.variableGrads(() => {
      const predicted = this.predictor.apply([frames, sentences], { training: true }) as tf.Tensor4D;
      const mse = tf.mean(tf.squaredDifference(predicted, next)) as tf.Scalar;
      reported['mse'] = tf.keep(mse);
      if (!adversarial) return tf.mul(mse, mseWeight) as tf.Scalar;
      const logits = this.discriminator.model.apply([asClip(predicted), sentences], { training: true }) as tf.Tensor;
      const adv = generatorAdversarialLoss(logits);
      reported['adversarial'] = tf.keep(adv);
      return tf.add(tf.mul(mse, mseWeight), tf.mul(adv, advWeight)) as tf.Scalar;
    }, trainableVariables(this.predictor));
    try {
      this.optimizers.predictor.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    } finally {
      tf.dispose(grads);
    }
    return value;
  }

  private checkWindow(name: string, t: tf.Tensor5D): void {
    const { frames, size, channels } = this.args;
    if (t.rank !== 5 || t.shape[1] !== frames || t.shape[2] !== size || t.shape[3] !== size || t.shape[4] !== channels) {
      throw new RangeError(`${name} must have shape [N, ${frames}, ${size}, ${size}, ${channels}], got [${t.shape.join(', ')}]`);
    }
  }

  private checkRows(name: string, t: tf.Tensor, rows: number, columns: number): void {
    if (t.rank !== 2 || t.shape[0] !== rows || t.shape[1] !== columns) {
      throw new RangeError(`${name} must have shape [${rows}, ${columns}], got [${t.shape.join(', ')}]`);
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('this UnetModel has been disposed');
  }
}

/** Frames [N, H, W, C] as clips of one frame [N, 1, H, W, C] (what the frame discriminator takes). */
function asClip(frames: tf.Tensor4D): tf.Tensor5D {
  const [n, h, w, c] = frames.shape;
  return tf.reshape(frames, [n, 1, h, w, c]);
}

function resolve(args: UnetModelArgs): ResolvedArgs {
  validateUnetArgs(args);
  const learningRates = { predictor: DEFAULT_LEARNING_RATE, discriminator: DEFAULT_LEARNING_RATE, ...args.learningRates };
  eachEntry('learningRates', learningRates, positiveNumber);
  const adamBeta1 = args.adamBeta1 ?? 0.5;
  const adamBeta2 = args.adamBeta2 ?? 0.999;
  unitFraction('adamBeta1', adamBeta1);
  unitFraction('adamBeta2', adamBeta2);
  const mseWeight = args.mseWeight ?? 1;
  const advWeight = args.advWeight ?? 0;
  nonNegativeNumber('mseWeight', mseWeight);
  nonNegativeNumber('advWeight', advWeight);
  if (mseWeight === 0 && advWeight === 0) throw new RangeError('mseWeight and advWeight cannot both be 0 (nothing to train on)');
  const adversarialFromStep = args.adversarialFromStep ?? 0;
  if (!(Number.isSafeInteger(adversarialFromStep) && adversarialFromStep >= 0)) {
    throw new RangeError(`adversarialFromStep must be a whole number >= 0, got ${adversarialFromStep}`);
  }
  const matchingWeights = { ...DEFAULT_MATCHING_WEIGHTS, ...args.matchingWeights };
  eachEntry('matchingWeights', matchingWeights, nonNegativeNumber);
  const realLabel = args.realLabel ?? 1;
  if (!(Number.isFinite(realLabel) && realLabel > 0.5 && realLabel <= 1)) throw new RangeError(`realLabel must be in (0.5, 1], got ${realLabel}`);
  return {
    ...args,
    seed: args.seed ?? 0,
    learningRates,
    adamBeta1,
    adamBeta2,
    mseWeight,
    advWeight,
    adversarialFromStep,
    matchingWeights,
    realLabel,
  };
}

function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}
