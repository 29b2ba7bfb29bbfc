/**
 * A variational autoencoder over a caption's word-vector matrix, whose posterior mean is the sentence
 * vector (for the "text -> image -> video" pipeline: StackGAN-I is conditioned on it).
 *
 *   token_ids int32 [B, L] ── TokenEmbedding (frozen word vectors, '…_word_vectors') [B, L, dim]
 *     ── Flatten ('…_features') x [B, L·dim]   (= text/wordVectors.ts sentenceMatrix; L = 25 by default)
 *     ── per hidden size h: Dense(h, activation) ('…_enc{i}')
 *     ├─ Dense(latentDim) ('…_mu')        mu        [B, latentDim]
 *     └─ Dense(latentDim) ('…_log_sigma') logSigma  [B, latentDim]   (log of the standard deviation)
 *   z = mu + exp(logSigma) · eps,  eps ~ N(0, I) seeded (conditioningAugmentation.ts reparameterize)
 *   z ── per hidden size, reversed: Dense(h, activation) ('…_dec{i}') ── Dense(L·dim, linear)
 *     ('…_reconstruction') x̂ [B, L·dim]
 *
 * Loss = reconstruction + klWeight · KL, both averaged over the batch the same way:
 *   reconstruction = mean over items of Σ_j (x_j - x̂_j)²   (the squared error summed over the L·dim
 *                    values of an item: the negative log-likelihood of a unit-variance Gaussian decoder,
 *                    up to a constant; `vaeReconstructionLoss`)
 *   KL             = mean over items of ½ Σ_k (mu_k² + sigma_k² - 1 - 2 log sigma_k)   (conditioningAugmentation.ts `klLoss`)
 * so klWeight = 1 is the plain negative ELBO. The network predicts log sigma, not log variance (as
 * conditioningAugmentation.ts; log variance = 2 log sigma).
 *
 * The word-vector table is what `loadWordVectors` returns ({dim, matrix}; row i = vocabulary id i) or a
 * [vocabSize, dim] tensor. Rows `<pad>` (0) and `<unk>` (1) are forced to zero, so padding and unknown
 * words are zero rows of the matrix, as in sentenceMatrix; words without a vector already have zero rows.
 * Ids outside [0, vocabSize) are a RangeError. The table is a non-trainable weight of the models.
 *
 * `VaeSentenceEncoder` holds the models and one Adam optimiser:
 * - `encoder`: ids -> [mu, logSigma]; `sentenceEncoder`: ids -> mu, the same layers, a sentence encoder
 *   like the others of this folder (int32 [B, L] -> float32 [B, latentDim], userDefinedMetadata
 *   `sentenceEncoder: {kind: 'vae', …}`; it saves and loads with model.save / tf.loadLayersModel);
 *   `decoder`: z -> x̂.
 * - `trainStep(ids, {seed?})`: one Adam step on the loss; eps is seeded by `seed`, by default derived
 *   from the model seed and the step count (tganc/seeds.ts deriveSeed), so a run is reproducible.
 * - `encode(ids)` -> mu [B, latentDim]; `features(ids)` -> x; `losses(ids, seed)` for evaluation.
 * Initial weights are seeded (glorotUniform, one seed per layer from `seed`).
 */
import * as tf from '@tensorflow/tfjs';
import { PAD_ID, UNK_ID } from '../../text/Vocabulary.ts';
import { deriveSeed } from '../tganc/seeds.ts';
import { klLoss, reparameterize, sampleEpsilon } from './conditioningAugmentation.ts';
import { SENTENCE_ENCODER_METADATA_KEY } from './LstmSentenceEncoder.ts';
import { TokenEmbedding, weightSeed } from './textLayers.ts';

type DenseActivation = NonNullable<Parameters<typeof tf.layers.dense>[0]['activation']>;

export interface VaeSentenceEncoderArgs {
  /** The word vectors: {dim, matrix [vocabSize·dim] row-major} (loadWordVectors) or a [vocabSize, dim] tensor (copied). */
  wordVectors: { dim: number; matrix: Float32Array } | tf.Tensor2D;
  /** Tokens per caption L (captions padded with `<pad>` or truncated to it by encodeCaptions). Default 25. */
  length?: number;
  /** Hidden layer sizes of the encoder, input to output; the decoder uses them reversed. Default [256]. */
  hiddenDims?: number[];
  /** Size of mu, logSigma and z: the sentence vector. Default 128. */
  latentDim?: number;
  /** Activation of the hidden layers. Default 'relu'. */
  activation?: DenseActivation;
  /** Weight of the KL term. Default 1 (the ELBO). */
  klWeight?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** Seeds the initial weights and the default eps of each step. Default 0. */
  seed?: number;
  /** Model name; layer names are prefixed with it. Default 'vae_sentence_encoder'. */
  name?: string;
}

export interface ResolvedVaeSentenceEncoderArgs {
  vocabSize: number;
  dim: number;
  length: number;
  hiddenDims: number[];
  latentDim: number;
  activation: DenseActivation;
  klWeight: number;
  learningRate: number;
  seed: number;
  name: string;
}

// A type alias, not an interface: tf.tidy can return it.
export type VaeLosses = {
  /** reconstruction + klWeight · kl. */
  loss: tf.Scalar;
  reconstruction: tf.Scalar;
  kl: tf.Scalar;
};

export interface VaeStepResult {
  loss: number;
  reconstruction: number;
  kl: number;
}

/**
 * Mean over the batch (axis 0) of the per-item sum of squared errors: Σ (target - reconstruction)² / B.
 * Any rank >= 1, the two shapes equal.
 */
export function vaeReconstructionLoss(target: tf.Tensor, reconstruction: tf.Tensor): tf.Scalar {
  if (target.rank < 1 || !tf.util.arraysEqual(target.shape, reconstruction.shape)) {
    throw new RangeError(`vaeReconstructionLoss: target [${target.shape.join(', ')}] and reconstruction [${reconstruction.shape.join(', ')}] must have the same shape [batch, …]`);
  }
  return tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(target, reconstruction)), target.shape[0]!) as tf.Scalar);
}

/** reconstruction + klWeight · KL(N(mu, exp(logSigma)²) || N(0, I)), each averaged over the batch. */
export function vaeLoss(target: tf.Tensor, reconstruction: tf.Tensor, mu: tf.Tensor, logSigma: tf.Tensor, klWeight: number): VaeLosses {
  if (!(Number.isFinite(klWeight) && klWeight >= 0)) throw new RangeError(`vaeLoss: klWeight must be a finite number >= 0, got ${klWeight}`);
  return tf.tidy(() => {
    const rec = vaeReconstructionLoss(target, reconstruction);
    const kl = klLoss(mu, logSigma);
    return { loss: tf.add(rec, tf.mul(kl, klWeight)) as tf.Scalar, reconstruction: rec, kl };
  });
}

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`VaeSentenceEncoderArgs.${field} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function tableOf(wordVectors: VaeSentenceEncoderArgs['wordVectors']): { table: Float32Array; vocabSize: number; dim: number } {
  let table: Float32Array;
  let dim: number;
  if (wordVectors instanceof tf.Tensor) {
    if (wordVectors.rank !== 2) throw new RangeError(`VaeSentenceEncoderArgs.wordVectors must be a [vocabSize, dim] tensor, got [${wordVectors.shape.join(', ')}]`);
    dim = wordVectors.shape[1];
    table = Float32Array.from(wordVectors.dataSync() as ArrayLike<number>);
  } else {
    dim = wordVectors.dim;
    table = Float32Array.from(wordVectors.matrix);
  }
  positiveInteger('wordVectors.dim', dim);
  if (table.length % dim !== 0) throw new RangeError(`VaeSentenceEncoderArgs.wordVectors: ${table.length} values are not rows of dim ${dim}`);
  const vocabSize = table.length / dim;
  if (vocabSize < 2) throw new RangeError(`VaeSentenceEncoderArgs.wordVectors needs at least 2 rows (<pad>, <unk>), got ${vocabSize}`);
  for (const id of [PAD_ID, UNK_ID]) table.fill(0, id * dim, (id + 1) * dim);
  return { table, vocabSize, dim };
}

export class VaeSentenceEncoder {
  readonly args: ResolvedVaeSentenceEncoderArgs;
  /** ids [B, L] -> [mu, logSigma], each [B, latentDim]. */
  readonly encoder: tf.LayersModel;
  /** ids [B, L] -> mu [B, latentDim] (shares the encoder's layers); the sentence encoder to save. */
  readonly sentenceEncoder: tf.LayersModel;
  /** ids [B, L] -> the flattened word-vector matrix [B, L·dim] (the reconstruction target). */
  readonly featureModel: tf.LayersModel;
  /** z [B, latentDim] -> x̂ [B, L·dim]. */
  readonly decoder: tf.LayersModel;
  readonly optimizer: tf.AdamOptimizer;
  private steps = 0;

  constructor(input: VaeSentenceEncoderArgs) {
    const { table, vocabSize, dim } = tableOf(input.wordVectors);
    const length = positiveInteger('length', input.length ?? 25);
    const hiddenInput: unknown = input.hiddenDims ?? [256];
    if (!Array.isArray(hiddenInput) || !hiddenInput.every((h) => typeof h === 'number' && Number.isSafeInteger(h) && h >= 1)) {
      throw new RangeError(`VaeSentenceEncoderArgs.hiddenDims must be an array of positive integers, got ${JSON.stringify(input.hiddenDims)}`);
    }
    const hiddenDims = [...(hiddenInput as number[])];
    const latentDim = positiveInteger('latentDim', input.latentDim ?? 128);
    const klWeight = input.klWeight ?? 1;
    if (!(Number.isFinite(klWeight) && klWeight >= 0)) throw new RangeError(`VaeSentenceEncoderArgs.klWeight must be a finite number >= 0, got ${klWeight}`);
    const learningRate = input.learningRate ?? 1e-3;
    if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new RangeError(`VaeSentenceEncoderArgs.learningRate must be > 0, got ${learningRate}`);
    const seed = input.seed ?? 0;
    if (!Number.isSafeInteger(seed)) throw new RangeError(`VaeSentenceEncoderArgs.seed must be an integer, got ${seed}`);
    const name = input.name ?? 'vae_sentence_encoder';
    const activation = input.activation ?? 'relu';
    this.args = { vocabSize, dim, length, hiddenDims, latentDim, activation, klWeight, learningRate, seed, name };

    const dense = (units: number, part: string, act: DenseActivation): tf.layers.Layer =>
      tf.layers.dense({ units, activation: act, kernelInitializer: tf.initializers.glorotUniform({ seed: weightSeed(seed, part) }), name: `${name}_${part}` });

    const ids = tf.input({ shape: [length], dtype: 'int32', name: `${name}_token_ids` });
    const embedding = new TokenEmbedding({ vocabSize, outputDim: dim, trainable: false, name: `${name}_word_vectors` });
    const features = tf.layers.flatten({ name: `${name}_features` }).apply(embedding.apply(ids)) as tf.SymbolicTensor;
    tf.tidy(() => embedding.setWeights([tf.tensor2d(table, [vocabSize, dim])]));
    let h = features;
    hiddenDims.forEach((units, i) => {
      h = dense(units, `enc${i + 1}`, activation).apply(h) as tf.SymbolicTensor;
    });
    const mu = dense(latentDim, 'mu', 'linear').apply(h) as tf.SymbolicTensor;
    const logSigma = dense(latentDim, 'log_sigma', 'linear').apply(h) as tf.SymbolicTensor;
    this.encoder = tf.model({ inputs: ids, outputs: [mu, logSigma], name: `${name}_encoder` });
    this.sentenceEncoder = tf.model({ inputs: ids, outputs: mu, name });
    this.sentenceEncoder.setUserDefinedMetadata({
      [SENTENCE_ENCODER_METADATA_KEY]: { kind: 'vae', vocabSize, dim, length, outputDim: latentDim, hiddenDims, activation, seed, name },
    });
    this.featureModel = tf.model({ inputs: ids, outputs: features, name: `${name}_features_model` });

    const z = tf.input({ shape: [latentDim], name: `${name}_z` });
    let d: tf.SymbolicTensor = z;
    [...hiddenDims].reverse().forEach((units, i) => {
      d = dense(units, `dec${i + 1}`, activation).apply(d) as tf.SymbolicTensor;
    });
    const reconstruction = dense(length * dim, 'reconstruction', 'linear').apply(d) as tf.SymbolicTensor;
    this.decoder = tf.model({ inputs: z, outputs: reconstruction, name: `${name}_decoder` });
    this.optimizer = tf.train.adam(learningRate);
  }

  /** Training steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** Throws a RangeError unless `ids` is [B, length] with every id in [0, vocabSize). */
  checkIds(ids: tf.Tensor): void {
    const { length, vocabSize } = this.args;
    if (ids.rank !== 2 || ids.shape[1] !== length) throw new RangeError(`VaeSentenceEncoder: ids must be [batch, ${length}], got [${ids.shape.join(', ')}]`);
    if (ids.size === 0) return;
    const [min, max] = tf.tidy(() => [tf.min(ids).dataSync()[0]!, tf.max(ids).dataSync()[0]!]);
    if (min < 0 || max >= vocabSize || !Number.isInteger(min) || !Number.isInteger(max)) {
      throw new RangeError(`VaeSentenceEncoder: ids must lie in [0, ${vocabSize}), got values in [${min}, ${max}]`);
    }
  }

  private asInt(ids: tf.Tensor): tf.Tensor2D {
    return (ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32')) as tf.Tensor2D;
  }

  /** The flattened, zero-padded word-vector matrix [B, length·dim]. */
  features(ids: tf.Tensor): tf.Tensor2D {
    this.checkIds(ids);
    return tf.tidy(() => this.featureModel.apply(this.asInt(ids)) as tf.Tensor2D);
  }

  /** The sentence vectors: mu [B, latentDim] (no sampling). */
  encode(ids: tf.Tensor): tf.Tensor2D {
    this.checkIds(ids);
    return tf.tidy(() => this.sentenceEncoder.apply(this.asInt(ids)) as tf.Tensor2D);
  }

  /** x̂ [B, length·dim] for latent codes z [B, latentDim]. */
  decode(z: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.decoder.apply(z) as tf.Tensor2D);
  }

  /** The loss terms on a batch with eps seeded by `seed`; differentiable (usable inside tf.variableGrads). */
  losses(ids: tf.Tensor, seed: number): VaeLosses {
    this.checkIds(ids);
    return tf.tidy(() => {
      const x = this.asInt(ids);
      const target = this.featureModel.apply(x) as tf.Tensor2D;
      const [mu, logSigma] = this.encoder.apply(x, { training: true }) as [tf.Tensor2D, tf.Tensor2D];
      const z = reparameterize(mu, logSigma, sampleEpsilon(mu.shape, seed));
      const reconstruction = this.decoder.apply(z, { training: true }) as tf.Tensor2D;
      return vaeLoss(target, reconstruction, mu, logSigma, this.args.klWeight);
    });
  }

  /** One Adam step on reconstruction + klWeight · KL. eps: `options.seed`, else derived from (seed, step). */
  trainStep(ids: tf.Tensor, options: { seed?: number } = {}): VaeStepResult {
    this.checkIds(ids);
    const seed = options.seed ?? deriveSeed(this.args.seed, `vae/eps/${this.steps}`);
    const variables = [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
    let kept: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const terms = this.losses(ids, seed);
      kept = [tf.keep(terms.reconstruction), tf.keep(terms.kl)];
      return terms.loss;
    }, variables);
    try {
      this.optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      this.steps++;
      return { loss: value.dataSync()[0]!, reconstruction: kept[0]!.dataSync()[0]!, kl: kept[1]!.dataSync()[0]! };
    } finally {
      tf.dispose([value, ...kept]);
      tf.dispose(grads);
    }
  }

  dispose(): void {
    // The three encoder views share their layers: dispose the weights once.
    this.encoder.dispose();
    this.decoder.dispose();
    this.optimizer.dispose();
  }
}
