/**
 * TGANs-C training on batches of dataset clips: a TganModel with its bi-LSTM sentence encoder (trained
 * jointly with the discriminators), the dataset's vocabulary, and the per-step plumbing from clips to
 * tensors: videos resized to the model's geometry, captions encoded to token ids, and a mismatched
 * caption for every clip drawn from the same batch (seeded by the model seed and the step, so a resumed
 * run draws the same ones).
 */
import * as tf from '@tensorflow/tfjs';
import type { Clip } from '../../datasets/clip.ts';
import { tokenize } from '../../datasets/clip.ts';
import type { Vocabulary } from '../../text/Vocabulary.ts';
import { clipsToVideos, videosToBytes } from '../training/clipsToVideos.ts';
import { lstmSentenceEncoder, type LstmSentenceEncoderArgs } from '../text/LstmSentenceEncoder.ts';
import { bagOfWordsEncoder } from '../text/bagOfWordsEncoder.ts';
import { captionRows, captionTensor, encodeCaptions, mismatchedIndices } from '../text/captionBatch.ts';
import type { TganArgs } from './TganConfig.ts';
import { TganModel, type TganModelArgs, type TganStepResult } from './TganModel.ts';
import { deriveSeed, sampleNoise } from './seeds.ts';

/** The bi-LSTM of TGANs-C (sizes optional), or a fixed bag of words (sentenceDim becomes the vocabulary size). */
export type TganEncoderArgs = ({ kind?: 'lstm' } & Pick<LstmSentenceEncoderArgs, 'embeddingDim' | 'hiddenDim'>) | { kind: 'bow' };
export type ResolvedTganEncoderArgs = { kind: 'lstm'; embeddingDim: number; hiddenDim: number } | { kind: 'bow' };

export interface TganTrainerArgs {
  /** Networks, losses and optimisers (the sentence encoder is built here). */
  model: Omit<TganModelArgs, 'sentenceEncoder'>;
  /** The sentence encoder: the bi-LSTM (default; its output size is `model.sentenceDim`) or a bag of words. */
  encoder?: TganEncoderArgs;
  vocabulary: Vocabulary;
  /** Tokens per caption (longer captions are cut). Default 12. */
  captionLength?: number;
  /** Train the video discriminator's word classifier over this vocabulary (TganArgs.predictWords). */
  predictWords?: boolean;
  /** The words a single frame can show, e.g. the digits (TganModelArgs.frameWordIds): each must be in the vocabulary. */
  frameWords?: readonly string[];
  /**
   * Sprite generator: the words its sprite stream and its path stream read (TganArgs.spriteWordIds,
   * pathWordIds); each must be in the vocabulary, and the encoder a bag of words (whose sentence vector
   * has one entry per word).
   */
  spriteWords?: readonly string[];
  pathWords?: readonly string[];
  /** The words the video discriminator's classifier reads (TganModelArgs.videoWordIds), e.g. the motion words. */
  videoWords?: readonly string[];
}

export class TganTrainer {
  readonly model: TganModel;
  readonly vocabulary: Vocabulary;
  readonly captionLength: number;
  readonly encoderArgs: ResolvedTganEncoderArgs;

  constructor(args: TganTrainerArgs) {
    this.vocabulary = args.vocabulary;
    this.captionLength = args.captionLength ?? 12;
    const e = args.encoder;
    let model = args.predictWords ? { ...args.model, predictWords: args.vocabulary.size } : args.model;
    const ids = (name: string, words: readonly string[]) => {
      const unknown = words.filter((w) => !args.vocabulary.has(w));
      if (unknown.length > 0) throw new RangeError(`${name} not in the vocabulary: ${unknown.map((w) => `"${w}"`).join(', ')}`);
      return words.map((w) => args.vocabulary.id(w));
    };
    if (args.frameWords !== undefined && args.frameWords.length > 0) model = { ...model, frameWordIds: ids('frameWords', args.frameWords) };
    if (args.videoWords !== undefined && args.videoWords.length > 0) model = { ...model, videoWordIds: ids('videoWords', args.videoWords) };
    for (const [name, key, words] of [['spriteWords', 'spriteWordIds', args.spriteWords], ['pathWords', 'pathWordIds', args.pathWords]] as const) {
      if (words === undefined || words.length === 0) continue;
      if (e?.kind !== 'bow') throw new RangeError(`${name} needs the bag-of-words encoder (encoder: bow), whose sentence vector has an entry per word`);
      model = { ...model, [key]: ids(name, words) };
    }
    if (e?.kind === 'bow') {
      this.encoderArgs = { kind: 'bow' };
      const encoder = bagOfWordsEncoder({ vocabSize: args.vocabulary.size, length: this.captionLength });
      this.model = new TganModel({ ...model, sentenceDim: args.vocabulary.size, sentenceEncoder: encoder });
      return;
    }
    this.encoderArgs = { kind: 'lstm', embeddingDim: e?.embeddingDim ?? 64, hiddenDim: e?.hiddenDim ?? 128 };
    const encoder = lstmSentenceEncoder({
      vocabSize: args.vocabulary.size,
      length: this.captionLength,
      outputDim: args.model.sentenceDim,
      seed: deriveSeed(args.model.seed ?? 0, 'encoder'),
      embeddingDim: this.encoderArgs.embeddingDim,
      hiddenDim: this.encoderArgs.hiddenDim,
    });
    this.model = new TganModel({ ...model, sentenceEncoder: encoder });
  }

  get args(): TganModel['args'] {
    return this.model.args;
  }

  /** One D and one G update on a batch of clips; the step number is `model.step` before the call. */
  trainStep(clips: readonly Clip[]): TganStepResult {
    const { frames, size, channels } = this.model.args;
    const videos = clipsToVideos(clips, { frames, size, channels });
    const encoded = encodeCaptions(this.vocabulary, clips.map((c) => c.tokens), this.captionLength);
    const wrong = mismatchedIndices(captionRows(encoded), deriveSeed(this.model.args.seed, `wrong/${this.model.step}`));
    const captions = captionTensor(encoded);
    const wrongCaptions = wrong[0] === -1 ? undefined : tf.gather(captions, Array.from(wrong)) as tf.Tensor2D;
    try {
      return this.model.trainStep({ videos, captions, wrongCaptions });
    } finally {
      tf.dispose([videos, captions, ...(wrongCaptions ? [wrongCaptions] : [])]);
    }
  }

  /** One warm-up update of the word classifiers on a batch of real clips (TganModel.warmUpWords). */
  warmUpStep(clips: readonly Clip[], round: number): number {
    const { frames, size, channels } = this.model.args;
    const videos = clipsToVideos(clips, { frames, size, channels });
    const captions = captionTensor(encodeCaptions(this.vocabulary, clips.map((c) => c.tokens), this.captionLength));
    try {
      return this.model.warmUpWords(videos, captions, round);
    } finally {
      tf.dispose([videos, captions]);
    }
  }

  /**
   * Videos for captions with the generator in inference mode: `perCaption` each, noise seeded by
   * (seed, caption index, copy), so the same call always gives the same videos. Bytes, optionally resized.
   */
  generate(captions: readonly string[], options: { perCaption?: number; seed?: number; size?: number; batch?: number; truncation?: number } = {}) {
    return generateVideos(this.model, this.vocabulary, this.captionLength, captions, options);
  }
}

/** What generation needs of a model: TganModel (training) and TganBundle (a saved model) both have it. */
export interface CaptionVideoModel {
  args: Pick<TganArgs, 'noiseDim'>;
  encode(ids: tf.Tensor2D): tf.Tensor2D;
  generate(noise: tf.Tensor2D, sentences: tf.Tensor2D): tf.Tensor5D;
}

/** One video to make: its caption and the seed of its noise vector. */
export interface VideoJob {
  caption: string;
  seed: number;
}

/** The noise seed of copy `copy` of caption number `index` under a run seed. */
export function videoSeed(seed: number, index: number, copy: number): number {
  return deriveSeed(seed, `sample/${index}/${copy}`);
}

/** Videos for jobs in one generator pass (inference mode), as bytes; `size` resizes them; `truncation` scales the noise (seeds.ts). */
export function generateVideoBatch(
  model: CaptionVideoModel,
  vocabulary: Vocabulary,
  captionLength: number,
  jobs: readonly VideoJob[],
  size?: number,
  truncation = 1,
): { frames: Uint8Array; shape: [number, number, number, number] }[] {
  const encoded = encodeCaptions(vocabulary, jobs.map((j) => tokenize(j.caption)), captionLength);
  const videos = tf.tidy(() => {
    const noise = tf.concat(jobs.map((j) => sampleNoise(1, model.args.noiseDim, j.seed, truncation)), 0) as tf.Tensor2D;
    return model.generate(noise, model.encode(captionTensor(encoded)));
  });
  try {
    return videosToBytes(videos, size);
  } finally {
    videos.dispose();
  }
}

/** `perCaption` videos per caption, copy k of caption i seeded by videoSeed(seed, i, k), in batches. */
export function generateVideos(
  model: CaptionVideoModel,
  vocabulary: Vocabulary,
  captionLength: number,
  captions: readonly string[],
  options: { perCaption?: number; seed?: number; size?: number; batch?: number; truncation?: number } = {},
): { caption: string; copy: number; frames: Uint8Array; shape: [number, number, number, number] }[] {
  const perCaption = options.perCaption ?? 1;
  const seed = options.seed ?? 0;
  const batch = options.batch ?? 16;
  const jobs = captions.flatMap((caption, i) => Array.from({ length: perCaption }, (_, copy) => ({ caption, copy, seed: videoSeed(seed, i, copy) })));
  const out: ReturnType<typeof generateVideos> = [];
  for (let start = 0; start < jobs.length; start += batch) {
    const chunk = jobs.slice(start, start + batch);
    generateVideoBatch(model, vocabulary, captionLength, chunk, options.size, options.truncation).forEach((v, k) => out.push({ caption: chunk[k]!.caption, copy: chunk[k]!.copy, ...v }));
  }
  return out;
}
