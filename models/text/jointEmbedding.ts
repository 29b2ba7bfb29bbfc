/**
 * A joint text-frame embedding trained Siamese-style: captions and video frames are mapped into one
 * d-dimensional space (both on the unit sphere) where a caption lies close to the frames it describes.
 *
 *   text branch:  sentence [B, sentenceDim] -> per hidden size: Dense -> LeakyReLU ('…_text_dense{i}')
 *                 -> Dense(d) ('…_text_out') -> L2Normalize                                   [B, d]
 *   frame branch: frame [B, H, W, C] -> per entry of frameFilters: conv2d(f, 4x4, stride 2, same, no
 *                 bias) + ChannelBias -> LeakyReLU ('…_frame_conv{i}') -> Flatten -> Dense(d)
 *                 ('…_frame_out') -> L2Normalize                                               [B, d]
 *
 * The loss, `siameseMarginLoss`, is the contrastive loss (Hadsell, Chopra & LeCun 2006) on a batch of P
 * (text, frame) pairs with labels y_k (1: matched, 0: mismatched) and Euclidean distances
 * d_k = ||t_k - f_k||_2 between the two embeddings:
 *
 *   pull = mean over matched pairs    of d_k²
 *   push = mean over mismatched pairs of max(0, margin - d_k)²
 *   loss = pull + push            (a term with no pairs of its kind is 0)
 *
 * Matched pairs are pulled together; mismatched ones are pushed apart until they are `margin` away, and
 * contribute nothing (value and gradient) beyond that. The two means are taken separately, so the balance
 * does not depend on how many pairs of each kind a batch has. Embeddings are unit vectors, so d lies in
 * [0, 2] (d² = 2 - 2 cos): margin 1 (the default) asks mismatched pairs for cos <= 0.5; a margin >= 2 can
 * never be met. d is computed as sqrt(Σ (t - f)² + 1e-12) so that its gradient stays finite at d = 0.
 *
 * `siamesePairs(sentences, frames, mismatched)` builds such a batch from B aligned (caption, frame) items:
 * the B matched pairs, then (sentence mismatched[i], frame i) for every i with mismatched[i] >= 0 (e.g.
 * captionBatch.ts `mismatchedIndices`, which gives -1 when a batch has no other caption).
 *
 * `JointEmbedding` holds the two branches and one Adam optimiser (`trainStep`), and embeds / measures
 * (`embedText`, `embedFrames`, `distances`). The branches are tf.LayersModels (custom layers registered
 * with tf.serialization) and save/load like any other; initial weights are glorotUniform with a seed
 * derived from `seed` and the layer name (tganc/seeds.ts). Training the frame branch on wasm needs
 * registerKernelFixes() (models/kernels: tfjs-backend-wasm lacks Conv2DBackpropFilter).
 */
import * as tf from '@tensorflow/tfjs';
import { ChannelBias, LeakyReLU } from '../tganc/fastGradLayers.ts';
import { deriveSeed } from '../tganc/seeds.ts';
import { singleShape } from '../tganc/videoLayers.ts';
import type { LayerArgs, Shape } from '../tganc/videoLayers.ts';

/** Added under the square root of a distance (and of a norm) so their gradients stay finite at 0. */
export const DISTANCE_EPSILON = 1e-12;

// ---------------------------------------------------------------------------------------------------
// L2Normalize

/** x / sqrt(Σ x² + 1e-12) over the last axis. No weights. */
export class L2Normalize extends tf.layers.Layer {
  static className = 'T2vL2Normalize';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), DISTANCE_EPSILON)));
    });
  }
}

tf.serialization.registerClass(L2Normalize);

// ---------------------------------------------------------------------------------------------------
// The loss

// A type alias, not an interface: tf.tidy can return it.
export type SiameseLoss = {
  /** pull + push. */
  loss: tf.Scalar;
  /** Mean d² over matched pairs (0 if none). */
  pull: tf.Scalar;
  /** Mean max(0, margin - d)² over mismatched pairs (0 if none). */
  push: tf.Scalar;
  /** d_k per pair [P]. */
  distances: tf.Tensor1D;
};

/**
 * The contrastive margin loss (see the module comment) of pairs (text[k], frames[k]) with labels
 * matched[k] in {0, 1}. text and frames: [P, d] embeddings; matched: [P] (a tensor or numbers).
 */
export function siameseMarginLoss(text: tf.Tensor, frames: tf.Tensor, matched: tf.Tensor | ArrayLike<number>, margin: number): SiameseLoss {
  if (!(Number.isFinite(margin) && margin > 0)) throw new RangeError(`siameseMarginLoss: margin must be a finite number > 0, got ${margin}`);
  if (text.rank !== 2 || !tf.util.arraysEqual(text.shape, frames.shape)) {
    throw new RangeError(`siameseMarginLoss: text [${text.shape.join(', ')}] and frames [${frames.shape.join(', ')}] must both be [pairs, d]`);
  }
  const pairs = text.shape[0]!;
  return tf.tidy(() => {
    const y = matched instanceof tf.Tensor ? tf.cast(matched, 'float32') : tf.tensor1d(Array.from(matched), 'float32');
    if (y.rank !== 1 || y.shape[0] !== pairs) throw new RangeError(`siameseMarginLoss: matched must be [${pairs}], got [${y.shape.join(', ')}]`);
    const squared = tf.sum(tf.squaredDifference(text, frames), 1) as tf.Tensor1D;
    const distances = tf.sqrt(tf.add(squared, DISTANCE_EPSILON)) as tf.Tensor1D;
    const notMatched = tf.sub(1, y);
    const pull = tf.div(tf.sum(tf.mul(y, squared)), tf.maximum(tf.sum(y), 1)) as tf.Scalar;
    const shortfall = tf.relu(tf.sub(margin, distances));
    const push = tf.div(tf.sum(tf.mul(notMatched, tf.square(shortfall))), tf.maximum(tf.sum(notMatched), 1)) as tf.Scalar;
    return { loss: tf.add(pull, push) as tf.Scalar, pull, push, distances };
  });
}

// A type alias, not an interface: tf.tidy can return it.
export type SiamesePairs = {
  /** [P, sentenceDim]. */
  sentences: tf.Tensor2D;
  /** [P, H, W, C]. */
  frames: tf.Tensor4D;
  /** [P]: 1 for matched pairs, 0 for mismatched ones. */
  matched: tf.Tensor1D;
};

/**
 * The pairs of B aligned items: (sentence i, frame i) matched for every i, then (sentence mismatched[i],
 * frame i) mismatched for every i with mismatched[i] >= 0.
 */
export function siamesePairs(sentences: tf.Tensor2D, frames: tf.Tensor4D, mismatched: ArrayLike<number>): SiamesePairs {
  const batch = sentences.shape[0];
  if (frames.shape[0] !== batch || mismatched.length !== batch) {
    throw new RangeError(`siamesePairs: ${batch} sentences, ${frames.shape[0]} frames and ${mismatched.length} mismatched indices must agree`);
  }
  const frameIndex: number[] = [];
  const sentenceIndex: number[] = [];
  for (let i = 0; i < batch; i++) {
    const j = mismatched[i]!;
    if (j < 0) continue;
    if (!Number.isInteger(j) || j >= batch) throw new RangeError(`siamesePairs: mismatched[${i}] = ${j} is not an item of the batch`);
    frameIndex.push(i);
    sentenceIndex.push(j);
  }
  return tf.tidy(() => {
    const wrong = sentenceIndex.length;
    return {
      sentences: tf.concat([sentences, tf.gather(sentences, tf.tensor1d(sentenceIndex, 'int32'))], 0) as tf.Tensor2D,
      frames: tf.concat([frames, tf.gather(frames, tf.tensor1d(frameIndex, 'int32'))], 0) as tf.Tensor4D,
      matched: tf.concat([tf.ones([batch]), tf.zeros([wrong])], 0) as tf.Tensor1D,
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// The model

export interface JointEmbeddingArgs {
  /** Length of the sentence vectors. */
  sentenceDim: number;
  /** [H, W, C] of a frame; H and W multiples of 2^frameFilters.length. */
  frameShape: [number, number, number];
  /** d, the size of the joint space. Default 64. */
  embeddingDim?: number;
  /** Hidden sizes of the text branch. Default [128]. [] : one dense layer. */
  textHiddenDims?: number[];
  /** Channels of the frame branch's stride-2 convolutions, fine to coarse. Default [16, 32]. */
  frameFilters?: number[];
  /** LeakyReLU slope. Default 0.2. */
  leak?: number;
  /** The push term's margin on the distance (in [0, 2] for unit vectors). Default 1. */
  margin?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** Seeds every initial weight. Default 0. */
  seed?: number;
  /** Prefix of the models' and layers' names. Default 'joint_embedding'. */
  name?: string;
}

export type ResolvedJointEmbeddingArgs = Required<JointEmbeddingArgs>;

function positiveIntegers(field: string, list: unknown, allowEmpty: boolean): void {
  if (!Array.isArray(list) || (!allowEmpty && list.length === 0) || !list.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)) {
    throw new RangeError(`JointEmbeddingArgs.${field} must be a${allowEmpty ? 'n' : ' non-empty'} array of positive integers, got ${JSON.stringify(list)}`);
  }
}

/** Fills in the defaults and checks every field; a RangeError names the first bad one. */
export function validateJointEmbeddingArgs(args: JointEmbeddingArgs): ResolvedJointEmbeddingArgs {
  positiveIntegers('textHiddenDims', args.textHiddenDims ?? [], true);
  positiveIntegers('frameFilters', args.frameFilters ?? [16], false);
  if (!Array.isArray(args.frameShape) || args.frameShape.length !== 3) {
    throw new RangeError(`JointEmbeddingArgs.frameShape must be [H, W, C], got ${JSON.stringify(args.frameShape)}`);
  }
  positiveIntegers('frameShape', args.frameShape, false);
  const resolved: ResolvedJointEmbeddingArgs = {
    sentenceDim: args.sentenceDim,
    frameShape: [...args.frameShape],
    embeddingDim: args.embeddingDim ?? 64,
    textHiddenDims: [...(args.textHiddenDims ?? [128])],
    frameFilters: [...(args.frameFilters ?? [16, 32])],
    leak: args.leak ?? 0.2,
    margin: args.margin ?? 1,
    learningRate: args.learningRate ?? 1e-3,
    seed: args.seed ?? 0,
    name: args.name ?? 'joint_embedding',
  };
  positiveIntegers('sentenceDim', [resolved.sentenceDim], false);
  positiveIntegers('embeddingDim', [resolved.embeddingDim], false);
  const scale = 2 ** resolved.frameFilters.length;
  if (args.frameShape[0] % scale !== 0 || args.frameShape[1] % scale !== 0) {
    throw new RangeError(`JointEmbeddingArgs.frameShape [${args.frameShape.join(', ')}]: H and W must be multiples of 2^${resolved.frameFilters.length} (one halving per frameFilters entry)`);
  }
  if (!(resolved.leak >= 0 && resolved.leak < 1)) throw new RangeError(`JointEmbeddingArgs.leak must be in [0, 1), got ${resolved.leak}`);
  if (!(Number.isFinite(resolved.margin) && resolved.margin > 0)) throw new RangeError(`JointEmbeddingArgs.margin must be a finite number > 0, got ${resolved.margin}`);
  if (!(Number.isFinite(resolved.learningRate) && resolved.learningRate > 0)) {
    throw new RangeError(`JointEmbeddingArgs.learningRate must be > 0, got ${resolved.learningRate}`);
  }
  if (!Number.isSafeInteger(resolved.seed)) throw new RangeError(`JointEmbeddingArgs.seed must be an integer, got ${resolved.seed}`);
  return resolved;
}

export interface SiameseStepResult {
  loss: number;
  pull: number;
  push: number;
}

export class JointEmbedding {
  readonly args: ResolvedJointEmbeddingArgs;
  /** sentence [B, sentenceDim] -> unit vectors [B, d]. */
  readonly textBranch: tf.LayersModel;
  /** frame [B, H, W, C] -> unit vectors [B, d]. */
  readonly frameBranch: tf.LayersModel;
  readonly optimizer: tf.AdamOptimizer;

  constructor(input: JointEmbeddingArgs) {
    const args = validateJointEmbeddingArgs(input);
    this.args = args;
    const { name, seed } = args;
    const init = (layer: string) => tf.initializers.glorotUniform({ seed: deriveSeed(seed, `${name}/${layer}`) });
    const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;

    const sentence = tf.input({ shape: [args.sentenceDim], name: `${name}_sentence` });
    let t = sentence;
    args.textHiddenDims.forEach((units, i) => {
      const layer = `${name}_text_dense${i + 1}`;
      t = apply(tf.layers.dense({ name: layer, units, kernelInitializer: init(layer) }), t);
      t = apply(new LeakyReLU({ name: `${layer}_act`, alpha: args.leak }), t);
    });
    t = apply(tf.layers.dense({ name: `${name}_text_out`, units: args.embeddingDim, kernelInitializer: init(`${name}_text_out`) }), t);
    t = apply(new L2Normalize({ name: `${name}_text_l2` }), t);
    this.textBranch = tf.model({ inputs: sentence, outputs: t, name: `${name}_text` });

    const frame = tf.input({ shape: args.frameShape, name: `${name}_frame` });
    let f = frame;
    args.frameFilters.forEach((filters, i) => {
      const layer = `${name}_frame_conv${i + 1}`;
      f = apply(tf.layers.conv2d({ name: layer, filters, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(layer) }), f);
      f = apply(new ChannelBias({ name: `${layer}_bias` }), f);
      f = apply(new LeakyReLU({ name: `${layer}_act`, alpha: args.leak }), f);
    });
    f = apply(tf.layers.flatten({ name: `${name}_frame_flat` }), f);
    f = apply(tf.layers.dense({ name: `${name}_frame_out`, units: args.embeddingDim, kernelInitializer: init(`${name}_frame_out`) }), f);
    f = apply(new L2Normalize({ name: `${name}_frame_l2` }), f);
    this.frameBranch = tf.model({ inputs: frame, outputs: f, name: `${name}_frame` });
    this.optimizer = tf.train.adam(args.learningRate);
  }

  embedText(sentences: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.textBranch.apply(sentences) as tf.Tensor2D);
  }

  embedFrames(frames: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.frameBranch.apply(frames) as tf.Tensor2D);
  }

  /** [P]: the joint-space distance of each pair (sentences[k], frames[k]). */
  distances(sentences: tf.Tensor2D, frames: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => tf.sqrt(tf.add(tf.sum(tf.squaredDifference(this.embedText(sentences), this.embedFrames(frames)), 1), DISTANCE_EPSILON)) as tf.Tensor1D);
  }

  /** [S, F]: the distance of every sentence to every frame (e.g. for retrieval). */
  distanceMatrix(sentences: tf.Tensor2D, frames: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const t = this.embedText(sentences);
      const f = this.embedFrames(frames);
      // ||t - f||² = 2 - 2 t·f for unit vectors; clamped at 0 against rounding.
      return tf.sqrt(tf.add(tf.relu(tf.sub(2, tf.mul(tf.matMul(t, f, false, true), 2))), DISTANCE_EPSILON)) as tf.Tensor2D;
    });
  }

  /** The loss on a batch of pairs (differentiable; usable inside tf.variableGrads). */
  loss(pairs: SiamesePairs): SiameseLoss {
    return tf.tidy(() =>
      siameseMarginLoss(this.textBranch.apply(pairs.sentences, { training: true }) as tf.Tensor, this.frameBranch.apply(pairs.frames, { training: true }) as tf.Tensor, pairs.matched, this.args.margin),
    );
  }

  /** One Adam step on both branches. */
  trainStep(pairs: SiamesePairs): SiameseStepResult {
    const variables = [...this.textBranch.trainableWeights, ...this.frameBranch.trainableWeights].map((w) => w.read() as tf.Variable);
    let kept: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const terms = this.loss(pairs);
      kept = [tf.keep(terms.pull), tf.keep(terms.push)];
      tf.dispose(terms.distances);
      return terms.loss;
    }, variables);
    try {
      this.optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      return { loss: value.dataSync()[0]!, pull: kept[0]!.dataSync()[0]!, push: kept[1]!.dataSync()[0]! };
    } finally {
      tf.dispose([value, ...kept]);
      tf.dispose(grads);
    }
  }

  dispose(): void {
    this.textBranch.dispose();
    this.frameBranch.dispose();
    this.optimizer.dispose();
  }
}
