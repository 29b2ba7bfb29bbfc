/**
 * TGANs-C losses on plain tensors (no models involved, so each can be checked by hand).
 *
 * Every discriminator is matching-aware: it sees three kinds of pairs
 *   (real clip, its caption)        -> target 1
 *   (generated clip, its caption)   -> target 0
 *   (real clip, a wrong caption)    -> target 0
 * and is scored with sigmoid cross-entropy on its logits, averaged over all logits of a kind (for the frame
 * and motion discriminators that is the mean over clips and frames / frame pairs). The generator is trained
 * to make every discriminator call its (clip, caption) pairs real (the non-saturating loss, -log σ(x)).
 * With `hinge` (Lim & Ye 2017; SAGAN, BigGAN) the three terms are mean(relu(1 − x)) for (real, right)
 * and mean(relu(1 + x)) for the two fake kinds, and the generator's loss is −mean(x): a discriminator
 * gets no gradient from pairs it already scores beyond the margin, so it cannot keep pushing its
 * fake logits towards −∞ while the generator is still learning shapes.
 * The optional temporal-coherence loss is the mean squared difference between consecutive generated frames
 * (the paper's constraint is a sum; the mean keeps its weight independent of the clip size).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Mean sigmoid cross-entropy of `logits` against a constant `target` in [0, 1]:
 * mean(-target·log σ(x) - (1 - target)·log(1 - σ(x))) = mean(softplus(x) - target·x), stable for any x.
 */
export function sigmoidCrossEntropy(logits: tf.Tensor, target: number): tf.Scalar {
  if (!(target >= 0 && target <= 1)) throw new RangeError(`target must be in [0, 1], got ${target}`);
  return tf.tidy(() => {
    const x = logits.toFloat();
    const perLogit = target === 0 ? tf.softplus(x) : tf.sub(tf.softplus(x), tf.mul(x, target));
    return tf.mean(perLogit) as tf.Scalar;
  });
}

/** The adversarial objective: sigmoid cross-entropy (the GAN paper's, non-saturating for G) or hinge. */
export type AdversarialLossKind = 'bce' | 'hinge';
export const ADVERSARIAL_LOSS_KINDS: readonly AdversarialLossKind[] = ['bce', 'hinge'];

/** mean(relu(1 − x)) (`sign` +1: x should be above 1) or mean(relu(1 + x)) (`sign` −1: below −1). */
export function hingeTerm(logits: tf.Tensor, sign: 1 | -1): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.sub(1, tf.mul(logits.toFloat(), sign)))) as tf.Scalar);
}

/** A discriminator's logits on the three kinds of pairs (any shape, e.g. [N, 1] or [N, T]). */
export interface MatchingLogits {
  realRight: tf.Tensor;
  fakeRight: tf.Tensor;
  realWrong: tf.Tensor;
}

/** Weights of the three terms of a matching-aware discriminator loss. */
export interface MatchingWeights {
  /** (real clip, right caption) -> real. */
  real: number;
  /** (generated clip, right caption) -> fake. */
  fake: number;
  /** (real clip, wrong caption) -> fake. */
  wrong: number;
}

/** The plain sum of the three terms; StackGAN's balanced form is { real: 1, fake: 0.5, wrong: 0.5 }. */
export const DEFAULT_MATCHING_WEIGHTS: Readonly<MatchingWeights> = Object.freeze({ real: 1, fake: 1, wrong: 1 });

export interface MatchingLoss {
  /** real·realTerm + fake·fakeTerm + wrong·wrongTerm. */
  loss: tf.Scalar;
  /** Unweighted terms: BCE(realRight, 1), BCE(fakeRight, 0), BCE(realWrong, 0) (or their hinge forms). */
  realTerm: tf.Scalar;
  fakeTerm: tf.Scalar;
  wrongTerm: tf.Scalar;
}

/** The matching-aware discriminator loss of one discriminator. */
export function matchingDiscriminatorLoss(
  logits: MatchingLogits,
  weights: MatchingWeights = DEFAULT_MATCHING_WEIGHTS,
  /** Target of (real, right) pairs: 1, or e.g. 0.9 for one-sided label smoothing (Salimans et al. 2016); bce only. */
  realLabel = 1,
  kind: AdversarialLossKind = 'bce',
): MatchingLoss {
  if (kind === 'hinge' && realLabel !== 1) throw new RangeError(`realLabel ${realLabel} is for the bce loss; the hinge loss has its margin instead`);
  const realTerm = kind === 'hinge' ? hingeTerm(logits.realRight, 1) : sigmoidCrossEntropy(logits.realRight, realLabel);
  const fakeTerm = kind === 'hinge' ? hingeTerm(logits.fakeRight, -1) : sigmoidCrossEntropy(logits.fakeRight, 0);
  const wrongTerm = kind === 'hinge' ? hingeTerm(logits.realWrong, -1) : sigmoidCrossEntropy(logits.realWrong, 0);
  const loss = tf.tidy(
    () => tf.addN([tf.mul(realTerm, weights.real), tf.mul(fakeTerm, weights.fake), tf.mul(wrongTerm, weights.wrong)]) as tf.Scalar,
  );
  return { loss, realTerm, fakeTerm, wrongTerm };
}

/** The generator's loss against one discriminator: BCE(D(G(z, s), s), 1), or −mean(D(G(z, s), s)) for hinge. */
export function generatorAdversarialLoss(fakeRightLogits: tf.Tensor, kind: AdversarialLossKind = 'bce'): tf.Scalar {
  if (kind === 'hinge') return tf.tidy(() => tf.neg(tf.mean(fakeRightLogits.toFloat())) as tf.Scalar);
  return sigmoidCrossEntropy(fakeRightLogits, 1);
}

/**
 * Mean over clips, frame pairs and pixels of (v[:, t+1] - v[:, t])² for clips [N, T, H, W, C] (T >= 2).
 * Computed on a [N, T, H·W·C] view: tfjs slices of rank-5 tensors are slow on wasm.
 */
export function temporalCoherenceLoss(videos: tf.Tensor5D): tf.Scalar {
  const [n, t, h, w, c] = videos.shape;
  if (t < 2) throw new RangeError(`temporalCoherenceLoss needs at least 2 frames, got ${t}`);
  return tf.tidy(() => {
    const v = tf.reshape(videos, [n, t, h * w * c]);
    const next = tf.slice(v, [0, 1, 0], [n, t - 1, h * w * c]);
    const previous = tf.slice(v, [0, 0, 0], [n, t - 1, h * w * c]);
    return tf.mean(tf.squaredDifference(next, previous)) as tf.Scalar;
  });
}

/**
 * The word classifier's loss (TganArgs.predictWords): sigmoid cross-entropy of word logits [N, V] against
 * the caption's multi-hot words [N, V], summed over the vocabulary and averaged over clips, so that each
 * word a caption holds or lacks weighs the same however large the vocabulary is.
 */
export function wordPredictionLoss(logits: tf.Tensor2D, targets: tf.Tensor2D, mask?: tf.Tensor1D): tf.Scalar {
  if (logits.shape[0] !== targets.shape[0] || logits.shape[1] !== targets.shape[1]) {
    throw new RangeError(`word logits [${logits.shape.join(', ')}] and targets [${targets.shape.join(', ')}] must have one shape`);
  }
  if (mask !== undefined && mask.shape[0] !== logits.shape[1]) throw new RangeError(`word mask [${mask.shape[0]}] must have the vocabulary's ${logits.shape[1]} entries`);
  return tf.tidy(() => {
    const perWord = tf.sub(tf.softplus(logits), tf.mul(logits, targets));
    // With a mask (1: the word counts, 0: it does not), only the masked-in words are learnt and scored.
    return tf.div(tf.sum(mask === undefined ? perWord : tf.mul(perWord, mask)), logits.shape[0]) as tf.Scalar;
  });
}

/** Weighted sum of named scalars (weights missing or 0 leave a term out). */
export function weightedSum(terms: Record<string, tf.Scalar>, weights: Record<string, number>): tf.Scalar {
  return tf.tidy(() => {
    const parts = Object.entries(terms)
      .filter(([name]) => (weights[name] ?? 0) !== 0)
      .map(([name, value]) => tf.mul(value, weights[name]!));
    return (parts.length === 0 ? tf.scalar(0) : tf.addN(parts)) as tf.Scalar;
  });
}
