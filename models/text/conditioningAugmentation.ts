/**
 * StackGAN's conditioning augmentation (CA): a sentence vector s becomes a Gaussian N(mu(s), sigma(s)^2)
 * over condition vectors, and the generator is conditioned on a sample c = mu + sigma * eps, eps ~ N(0, I).
 * A KL(N(mu, sigma) || N(0, I)) term (StackGAN weights it ~2) added to the generator loss keeps the
 * conditioning manifold smooth.
 *
 * - `conditioningAugmentationModel(args)`: the dense part, a LayersModel sentence [B, inputDim] ->
 *   [mu, logSigma], each [B, conditionDim] (two dense heads; together they are StackGAN's one dense layer
 *   of 2 * conditionDim units, split in half).
 * - `conditioningAugmentation(model, sentence, options)`: runs it and samples c, returning c, mu,
 *   logSigma and the KL; usable inside tf.variableGrads / optimizer.minimize (all tensor ops).
 * - `klLoss(mu, logSigma)`: mean over the batch of 0.5 * sum_j (mu_j^2 + sigma_j^2 - 1 - 2 log sigma_j).
 * - `reparameterize`, `sampleEpsilon`: the sampling pieces; eps is seeded (tf.randomNormal with a seed,
 *   computed in JS, so the same on every backend). Give each training step its own seed.
 *
 * This works with log sigma, as the brief and the original StackGAN (TensorFlow) do; StackGAN-pytorch
 * predicts log variance = 2 log sigma instead. Nothing clamps logSigma: exp overflows past ~88.
 */
import * as tf from '@tensorflow/tfjs';
import { weightSeed } from './textLayers.ts';

type DenseActivation = NonNullable<Parameters<typeof tf.layers.dense>[0]['activation']>;

export interface ConditioningAugmentationArgs {
  /** Sentence vector size. */
  inputDim: number;
  /** Condition size (StackGAN: 128). Default 128. */
  conditionDim?: number;
  /**
   * Activation of the dense layer, applied to mu and logSigma alike. Default 'linear'. (The original
   * StackGAN applies a leaky ReLU, StackGAN-pytorch a ReLU / GLU; linear lets logSigma go negative.)
   */
  activation?: DenseActivation;
  /** Seeds the initial weights. Default 0. */
  seed?: number;
  /** Model name; layer names are prefixed with it. Default 'conditioning_augmentation'. */
  name?: string;
}

/** sentence [B, inputDim] -> outputs [mu [B, conditionDim], logSigma [B, conditionDim]]. */
export function conditioningAugmentationModel(args: ConditioningAugmentationArgs): tf.LayersModel {
  const conditionDim = args.conditionDim ?? 128;
  const name = args.name ?? 'conditioning_augmentation';
  const seed = args.seed ?? 0;
  for (const [key, value] of [['inputDim', args.inputDim], ['conditionDim', conditionDim]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`conditioningAugmentation: ${key} must be a positive integer, got ${String(value)}`);
  }
  const sentence = tf.input({ shape: [args.inputDim], name: `${name}_sentence` });
  const head = (part: string) =>
    tf.layers
      .dense({
        units: conditionDim,
        activation: args.activation ?? 'linear',
        kernelInitializer: tf.initializers.glorotUniform({ seed: weightSeed(seed, part) }),
        name: `${name}_${part}`,
      })
      .apply(sentence) as tf.SymbolicTensor;
  const model = tf.model({ inputs: sentence, outputs: [head('mu'), head('log_sigma')], name });
  model.setUserDefinedMetadata({ conditioningAugmentation: { inputDim: args.inputDim, conditionDim, activation: args.activation ?? 'linear', seed, name } });
  return model;
}

/** KL(N(mu, diag sigma^2) || N(0, I)) per item, averaged over the batch (axis 0); sigma = exp(logSigma). */
export function klLoss(mu: tf.Tensor, logSigma: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (mu.rank < 1 || !tf.util.arraysEqual(mu.shape, logSigma.shape)) {
      throw new RangeError(`klLoss: mu [${mu.shape.join(', ')}] and logSigma [${logSigma.shape.join(', ')}] must have the same shape [batch, …]`);
    }
    const terms = tf.sub(tf.sub(tf.add(tf.square(mu), tf.exp(tf.mul(logSigma, 2))), 1), tf.mul(logSigma, 2));
    const perItem = tf.mul(tf.sum(tf.reshape(terms, [mu.shape[0]!, -1]), 1), 0.5);
    return tf.mean(perItem) as tf.Scalar;
  });
}

/** eps ~ N(0, I) of `shape`, reproducible from `seed` (the same numbers on every backend). */
export function sampleEpsilon(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** c = mu + exp(logSigma) * eps. */
export function reparameterize(mu: tf.Tensor, logSigma: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(logSigma), eps)));
}

export interface ConditioningAugmentationOptions {
  /** Seeds eps; use a new one every step. */
  seed: number;
  /** false: c = mu (no noise), e.g. for a deterministic evaluation. Default true (StackGAN samples at test time too). */
  sample?: boolean;
  /** Passed to the model (it has no dropout or batch norm, so it changes nothing today). Default true. */
  training?: boolean;
}

// A type alias, not an interface: tf.tidy can return it (interfaces lack an index signature).
export type ConditioningAugmentationResult = {
  /** The condition vectors [B, conditionDim]. */
  c: tf.Tensor2D;
  mu: tf.Tensor2D;
  logSigma: tf.Tensor2D;
  /** klLoss(mu, logSigma), a scalar to add to the generator loss (StackGAN weight ~2). */
  kl: tf.Scalar;
};

/** Runs the CA model on `sentence` [B, inputDim] and samples c; differentiable end to end. */
export function conditioningAugmentation(
  model: tf.LayersModel,
  sentence: tf.Tensor,
  options: ConditioningAugmentationOptions,
): ConditioningAugmentationResult {
  return tf.tidy(() => {
    const [mu, logSigma] = model.apply(sentence, { training: options.training ?? true }) as [tf.Tensor2D, tf.Tensor2D];
    const c = (options.sample ?? true) ? (reparameterize(mu, logSigma, sampleEpsilon(mu.shape, options.seed)) as tf.Tensor2D) : tf.clone(mu);
    return { c, mu, logSigma, kl: klLoss(mu, logSigma) };
  });
}
