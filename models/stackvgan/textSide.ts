/**
 * The text side of the two-stage generator: caption -> sentence vector that both GANs are conditioned on.
 *
 *   token ids [N, L] -> VaeSentenceEncoder (word vectors, frozen; its posterior mean mu [N, latent])
 *                    -> JointEmbedding text branch -> unit vector [N, embeddingDim]  = the sentence
 *
 * One text step trains both parts on a batch of (caption, real first frame) pairs:
 * - the VAE on its own loss (reconstruction of the word-vector matrix + KL), so mu summarises the words;
 * - then the joint embedding Siamese-style on (mu, frame) pairs: matched pairs pulled together,
 *   (mu of another caption, frame) pushed at least `margin` apart. mu is computed after the VAE's update
 *   and outside the joint embedding's gradient: the embedding learns on top of the VAE, it does not bend it.
 * Both have their own Adam. After the text phase the side is frozen: the GANs get `sentences(ids)`,
 * computed outside their gradient tapes. Embedding into the joint space (rather than using mu directly)
 * puts captions where the frames they describe are, so captions that mean the same picture are close.
 *
 * Randomness: the VAE's eps is seeded by the caller (the trainer derives it from (seed, step)), never by
 * the encoder's own step counter, which a checkpoint does not hold.
 */
import * as tf from '@tensorflow/tfjs';
import { VaeSentenceEncoder } from '../text/VaeSentenceEncoder.ts';
import { JointEmbedding, siamesePairs } from '../text/jointEmbedding.ts';
import { deriveSeed } from '../tganc/seeds.ts';
import type { StackVganArgs } from './StackVganConfig.ts';

export interface TextSideArgs {
  network: StackVganArgs;
  /** The word-vector table by token id ({dim = network.wordDim, matrix [vocabulary size · dim]}). */
  wordTable: { dim: number; matrix: Float32Array };
  /** Adam learning rate of both parts. Default 1e-3. */
  learningRate?: number;
  /** Weight of the VAE's KL term. Default 1 (the plain ELBO). */
  vaeKlWeight?: number;
}

export interface TextStepResult {
  vaeLoss: number;
  vaeReconstruction: number;
  vaeKl: number;
  siamese: number;
  pull: number;
  push: number;
}

export class TextSide {
  readonly vae: VaeSentenceEncoder;
  readonly joint: JointEmbedding;

  constructor(args: TextSideArgs) {
    const n = args.network;
    if (args.wordTable.dim !== n.wordDim) throw new RangeError(`the word vectors have ${args.wordTable.dim} dimensions, the model takes wordDim ${n.wordDim}`);
    const seed = n.seed ?? 0;
    const learningRate = args.learningRate ?? 1e-3;
    this.vae = new VaeSentenceEncoder({
      wordVectors: args.wordTable,
      length: n.captionLength,
      hiddenDims: n.vaeHiddenDims,
      latentDim: n.vaeLatentDim,
      klWeight: args.vaeKlWeight ?? 1,
      learningRate,
      // One derived seed per part: the VAE and the CA both name a layer "mu", and weightSeed uses the name.
      seed: deriveSeed(seed, 'text/vae'),
    });
    this.joint = new JointEmbedding({
      sentenceDim: n.vaeLatentDim,
      frameShape: [n.size, n.size, n.channels],
      embeddingDim: n.embeddingDim,
      textHiddenDims: n.jointTextHiddenDims,
      frameFilters: n.jointFrameFilters,
      leak: n.leak,
      margin: n.margin,
      learningRate,
      seed: deriveSeed(seed, 'text/joint'),
    });
  }

  /** ids int32 [N, L] -> the sentence vectors [N, embeddingDim] (inference, no gradient needed). */
  sentences(ids: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.joint.textBranch.apply(this.vae.sentenceEncoder.apply(ids), { training: false }) as tf.Tensor2D);
  }

  /**
   * One VAE step (eps seeded by `seed`) then one Siamese step on (caption i, frame i) matched and
   * (caption mismatched[i], frame i) mismatched for every mismatched[i] >= 0.
   */
  trainStep(ids: tf.Tensor2D, frames: tf.Tensor4D, mismatched: ArrayLike<number>, seed: number): TextStepResult {
    const vae = this.vae.trainStep(ids, { seed });
    const mu = this.vae.encode(ids);
    const pairs = siamesePairs(mu, frames, mismatched);
    try {
      const siamese = this.joint.trainStep(pairs);
      return { vaeLoss: vae.loss, vaeReconstruction: vae.reconstruction, vaeKl: vae.kl, siamese: siamese.loss, pull: siamese.pull, push: siamese.push };
    } finally {
      tf.dispose([mu, pairs.sentences, pairs.frames, pairs.matched]);
    }
  }

  /** Every network with weights, by checkpoint name (the VAE's encoder holds the word table). */
  networks(): Record<string, tf.LayersModel> {
    return { vaeEncoder: this.vae.encoder, vaeDecoder: this.vae.decoder, jointText: this.joint.textBranch, jointFrame: this.joint.frameBranch };
  }

  optimizers(): Record<string, tf.AdamOptimizer> {
    return { vae: this.vae.optimizer, joint: this.joint.optimizer };
  }

  dispose(): void {
    this.vae.dispose();
    this.joint.dispose();
  }
}
