/**
 * StackGAN-I -> VGAN training on batches of dataset clips: a StackVganModel, the dataset's vocabulary and
 * the word-vector table (wordTable.ts), and the plumbing from clips to tensors: the first `frames` frames
 * of each clip at the model's size, captions as token ids (`captionLength`, `<pad>` after), and for each
 * clip the index of a clip with another caption (seeded by (seed, step)), for the wrong-caption pairs of
 * the Siamese loss and of both discriminators. Everything random is a function of (seed, step), so a
 * resumed run draws the same numbers. `generate` makes videos from captions through both stages.
 */
import * as tf from '@tensorflow/tfjs';
import type { Clip } from '../../datasets/clip.ts';
import type { Vocabulary } from '../../text/Vocabulary.ts';
import { clipsToVideos } from '../training/clipsToVideos.ts';
import { captionRows, captionTensor, encodeCaptions, mismatchedIndices } from '../text/captionBatch.ts';
import { deriveSeed } from '../tganc/seeds.ts';
import { StackVganModel, type StackVganModelArgs, type StackVganStepResult } from './StackVganModel.ts';
import { generateTwoStage, type TwoStageJob, type TwoStageModel, type TwoStageOptions, type TwoStageVideo } from './twoStageGeneration.ts';
import type { WordTable } from './wordTable.ts';

export interface StackVganTrainerArgs {
  /** Networks, losses and optimisers; `wordDim` must be the table's dim. */
  model: Omit<StackVganModelArgs, 'wordTable'>;
  vocabulary: Vocabulary;
  wordTable: WordTable;
}

export class StackVganTrainer implements TwoStageModel {
  readonly model: StackVganModel;
  readonly vocabulary: Vocabulary;
  readonly wordTable: WordTable;

  constructor(args: StackVganTrainerArgs) {
    this.vocabulary = args.vocabulary;
    this.wordTable = args.wordTable;
    if (args.wordTable.matrix.length !== args.vocabulary.size * args.wordTable.dim) {
      throw new RangeError(`the word table has ${args.wordTable.matrix.length / args.wordTable.dim} rows, the vocabulary ${args.vocabulary.size} words`);
    }
    this.model = new StackVganModel({ ...args.model, wordTable: args.wordTable });
  }

  get captionLength(): number {
    return this.model.args.captionLength;
  }
  get frames(): number {
    return this.model.args.frames;
  }
  get size(): number {
    return this.model.args.size;
  }
  get channels(): number {
    return this.model.args.channels;
  }
  get conditionDim(): number {
    return this.model.args.conditionDim;
  }
  get imageNoiseDim(): number {
    return this.model.args.imageNoiseDim;
  }
  get videoNoiseDim(): number {
    return this.model.args.videoNoiseDim;
  }

  sentences(ids: tf.Tensor2D): tf.Tensor2D {
    return this.model.sentences(ids);
  }

  image(sentences: tf.Tensor2D, noise: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor4D {
    return this.model.image(sentences, noise, eps);
  }

  video(images: tf.Tensor4D, sentences: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor5D {
    return this.model.video(images, sentences, noise);
  }

  /** One training step (of the phase the step number gives) on clips of at least `frames` frames. */
  trainStep(clips: readonly Clip[]): StackVganStepResult {
    if (clips.length === 0) throw new RangeError('trainStep needs at least one clip');
    const step = this.model.step;
    const videos = clipsToVideos(clips, { frames: this.frames, size: this.size, channels: this.channels });
    const encoded = encodeCaptions(this.vocabulary, clips.map((c) => c.tokens), this.captionLength);
    const ids = captionTensor(encoded);
    // Compared as the ids the model sees: two captions that encode alike are no mismatch.
    const mismatched = mismatchedIndices(captionRows(encoded), deriveSeed(this.model.args.seed ?? 0, `wrong/${step}`));
    try {
      return this.model.trainStep({ ids, videos, mismatched });
    } finally {
      tf.dispose([videos, ids]);
    }
  }

  /** Videos for captions through both stages (twoStageGeneration.ts). */
  generate(jobs: readonly TwoStageJob[], options: TwoStageOptions = {}): TwoStageVideo[] {
    return generateTwoStage(this, jobs, options);
  }
}
