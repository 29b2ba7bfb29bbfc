/**
 * Generation through both stages, shared by the trainer (StackVganTrainer) and a saved model folder
 * (StackVganBundle), so both give the same bytes: caption -> sentence (text side) -> Stage-I image from
 * (conditioning augmentation sample, z1) -> Stage-II video from (image, sentence, z2).
 *
 * Every video has its own seed (`VideoJob.seed`): z1, the CA's eps and z2 are drawn from it alone, so a
 * video does not depend on the batch it was made in. StackGAN samples the CA at test time too, which is
 * part of what makes two videos of one caption differ. Inference mode throughout (batch norm's moving
 * statistics).
 *
 * `from`: Stage-II animates these first frames (dataset clips, resized) instead of Stage-I samples: what
 * Stage-II learns on while training, shown beside the full chain in the sample grids.
 */
import * as tf from '@tensorflow/tfjs';
import type { Clip, ClipShape } from '../../datasets/clip.ts';
import { tokenize } from '../../datasets/clip.ts';
import type { Vocabulary } from '../../text/Vocabulary.ts';
import { captionTensor, encodeCaptions } from '../text/captionBatch.ts';
import { sampleEpsilon } from '../text/conditioningAugmentation.ts';
import { deriveSeed, sampleNoise } from '../tganc/seeds.ts';
import { clipsToVideos, videosToBytes } from '../training/clipsToVideos.ts';

/** What generating needs of a model: the trainer and a loaded model folder both have it. */
export interface TwoStageModel {
  readonly vocabulary: Vocabulary;
  readonly captionLength: number;
  readonly frames: number;
  readonly size: number;
  readonly channels: number;
  readonly conditionDim: number;
  readonly imageNoiseDim: number;
  readonly videoNoiseDim: number;
  /** int32 ids [N, captionLength] -> sentence vectors [N, embeddingDim]. */
  sentences(ids: tf.Tensor2D): tf.Tensor2D;
  /** (sentences, z1 [N, Z1], eps [N, Cd]) -> Stage-I images [N, S, S, C] in [-1, 1]. */
  image(sentences: tf.Tensor2D, noise: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor4D;
  /** (images, sentences, z2 [N, Z2]) -> videos [N, T, S, S, C] in [-1, 1]. */
  video(images: tf.Tensor4D, sentences: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor5D;
}

export interface TwoStageJob {
  caption: string;
  seed: number;
}

export interface TwoStageVideo {
  caption: string;
  /** The video, uint8 [T, H, W, C]. */
  frames: Uint8Array;
  shape: ClipShape;
  /** The image Stage-II animated (the Stage-I sample, or the given first frame), uint8 [1, H, W, C]. */
  image: { frames: Uint8Array; shape: ClipShape };
}

export interface TwoStageOptions {
  /** Resize the output to this size (default: the model's). */
  size?: number;
  /** Videos per pass. Default 16. */
  batch?: number;
  /** One clip per job: Stage-II animates its first frame instead of a Stage-I sample. */
  from?: readonly Pick<Clip, 'frames' | 'shape'>[];
  /** ψ in (0, 1] scaling both stages' noise z1 and z2 (not the conditioning augmentation's); default 1 (seeds.ts). */
  truncation?: number;
}

/** The three noise tensors of a batch of jobs, each row from its job's seed alone; `truncation` scales z1 and z2. */
export function jobNoise(model: Pick<TwoStageModel, 'conditionDim' | 'imageNoiseDim' | 'videoNoiseDim'>, seeds: readonly number[], truncation = 1): { z1: tf.Tensor2D; eps: tf.Tensor2D; z2: tf.Tensor2D } {
  return tf.tidy(() => ({
    z1: tf.concat(seeds.map((s) => sampleNoise(1, model.imageNoiseDim, deriveSeed(s, 'stage1/noise'), truncation)), 0) as tf.Tensor2D,
    eps: tf.concat(seeds.map((s) => sampleEpsilon([1, model.conditionDim], deriveSeed(s, 'stage1/eps'))), 0) as tf.Tensor2D,
    z2: tf.concat(seeds.map((s) => sampleNoise(1, model.videoNoiseDim, deriveSeed(s, 'stage2/noise'), truncation)), 0) as tf.Tensor2D,
  }));
}

/** The videos of `jobs`, in order (see the module comment). */
export function generateTwoStage(model: TwoStageModel, jobs: readonly TwoStageJob[], options: TwoStageOptions = {}): TwoStageVideo[] {
  const batch = options.batch ?? 16;
  if (!(Number.isSafeInteger(batch) && batch >= 1)) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  if (options.from !== undefined && options.from.length !== jobs.length) throw new RangeError(`one first-frame clip per job: ${jobs.length} jobs, ${options.from.length} clips`);
  const out: TwoStageVideo[] = [];
  for (let start = 0; start < jobs.length; start += batch) {
    const chunk = jobs.slice(start, start + batch);
    const encoded = encodeCaptions(model.vocabulary, chunk.map((j) => tokenize(j.caption)), model.captionLength);
    const given = options.from?.slice(start, start + batch);
    const { images, videos } = tf.tidy(() => {
      const sentences = model.sentences(captionTensor(encoded));
      const { z1, eps, z2 } = jobNoise(model, chunk.map((j) => j.seed), options.truncation);
      const images = given !== undefined ? firstFrameTensor(given, model) : model.image(sentences, z1, eps);
      return { images, videos: model.video(images, sentences, z2) };
    });
    try {
      const [n, h, w, c] = images.shape;
      const asClips = tf.reshape(images, [n, 1, h, w, c]) as tf.Tensor5D;
      const stills = videosToBytes(asClips, options.size);
      asClips.dispose();
      videosToBytes(videos, options.size).forEach((v, k) => out.push({ caption: chunk[k]!.caption, ...v, image: stills[k]! }));
    } finally {
      tf.dispose([images, videos]);
    }
  }
  return out;
}

/** Stage-I alone: the image each job's video would start from (the same noise as generateTwoStage), uint8 [1, H, W, C]. */
export function stageOneImages(model: TwoStageModel, jobs: readonly TwoStageJob[]): { frames: Uint8Array; shape: ClipShape }[] {
  const encoded = encodeCaptions(model.vocabulary, jobs.map((j) => tokenize(j.caption)), model.captionLength);
  const images = tf.tidy(() => {
    const sentences = model.sentences(captionTensor(encoded));
    const { z1, eps } = jobNoise(model, jobs.map((j) => j.seed));
    const [n, h, w, c] = [jobs.length, model.size, model.size, model.channels];
    return tf.reshape(model.image(sentences, z1, eps), [n, 1, h, w, c]) as tf.Tensor5D;
  });
  try {
    return videosToBytes(images);
  } finally {
    images.dispose();
  }
}

/** The first frame of each clip at the model's size, [N, S, S, C] in [-1, 1]. */
function firstFrameTensor(clips: readonly Pick<Clip, 'frames' | 'shape'>[], model: Pick<TwoStageModel, 'size' | 'channels'>): tf.Tensor4D {
  const asClips: Clip[] = clips.map((c, i) => ({ id: `first-frame-${i}`, frames: c.frames, shape: c.shape, caption: '', tokens: [], split: 'train', source: '', attributes: {} }));
  const video = clipsToVideos(asClips, { frames: 1, size: model.size, channels: model.channels });
  return tf.tidy(() => tf.reshape(video, [clips.length, model.size, model.size, model.channels]) as tf.Tensor4D);
}
