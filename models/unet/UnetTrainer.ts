/**
 * U-Net next-frame predictor training on batches of dataset clips: a UnetModel, the dataset's vocabulary,
 * a fixed bag-of-words sentence encoder (sentenceDim = the vocabulary's size: every caption's words as a
 * multi-hot vector), and the per-step plumbing from clips to tensors:
 * - each clip gives one training pair: the `window` (d) frames from a start drawn from (seed, step, clip
 *   index) among the first `clipFrames` frames, and the frame after them; only those d + 1 frames are
 *   resized (models/training/clipsToVideos.ts) and split (frameWindows.ts);
 * - captions encoded to token ids and through the bag of words; in the adversarial phase, a mismatched
 *   caption for every clip from the same batch (seeded by the model seed and the step).
 * Everything random is a function of (seed, step, clip index), so a resumed run draws the same windows.
 *
 * `generate` rolls videos out from given first frames (the first d frames of clips) under given captions.
 */
import * as tf from '@tensorflow/tfjs';
import type { Clip, ClipShape } from '../../datasets/clip.ts';
import { tokenize } from '../../datasets/clip.ts';
import type { Vocabulary } from '../../text/Vocabulary.ts';
import { Random } from '../../utils/random.ts';
import { clipsToVideos, videosToBytes } from '../training/clipsToVideos.ts';
import { bagOfWordsEncoder } from '../text/bagOfWordsEncoder.ts';
import { captionRows, captionTensor, encodeCaptions, mismatchedIndices } from '../text/captionBatch.ts';
import { deriveSeed } from '../tganc/seeds.ts';
import { frameWindow } from './frameWindows.ts';
import { UnetModel, type UnetModelArgs, type UnetStepResult } from './UnetModel.ts';

export interface UnetTrainerArgs {
  /** Networks, losses and optimisers; `sentenceDim` is the vocabulary's size (the bag of words). */
  model: Omit<UnetModelArgs, 'sentenceDim'>;
  vocabulary: Vocabulary;
  /** Tokens per caption (longer captions are cut). Default 12. */
  captionLength?: number;
  /**
   * Windows are cut from the first `clipFrames` frames of each clip (at least window + 1). Default: all
   * of each clip's frames.
   */
  clipFrames?: number;
}

/** The first frames a rollout starts from: a clip's bytes, uint8 [T, H, W, C] with T ≥ the window. */
export type FirstFrames = Pick<Clip, 'frames' | 'shape'>;

/** One rolled-out video as bytes (uint8 [T, H, W, C]) and the caption it was made under. */
export interface RolledOutVideo {
  caption: string;
  frames: Uint8Array;
  shape: ClipShape;
}

export interface RolloutOptions {
  /** Resize the videos to this size (default: the model's). */
  size?: number;
  /** Videos per predictor pass. Default 16. */
  batch?: number;
  /** Start each video with the d given frames (default true), so it shows where the rollout began. */
  context?: boolean;
}

/** What rolling videos out needs of a model: UnetTrainer (training) and UnetBundle (a saved model) both have it. */
export interface NextFrameModel {
  readonly window: number;
  readonly size: number;
  readonly channels: number;
  readonly vocabulary: Vocabulary;
  readonly captionLength: number;
  /** int32 token ids [N, captionLength] -> sentence vectors [N, sentenceDim]. */
  encode(ids: tf.Tensor2D): tf.Tensor2D;
  /** From windows [N, d, H, W, C], `frames` predicted frames [N, frames, H, W, C] (inference mode). */
  rollout(first: tf.Tensor5D, sentences: tf.Tensor2D, frames: number): tf.Tensor5D;
}

/** Where the training window of clip `index` at step `step` starts: uniform in 0..clipFrames-window-1. */
export function windowStart(seed: number, step: number, index: number, clipFrames: number, window: number): number {
  if (!(Number.isSafeInteger(clipFrames) && Number.isSafeInteger(window) && window >= 1 && clipFrames >= window + 1)) {
    throw new RangeError(`clips of ${clipFrames} frames cannot hold a window of ${window} frames and the frame after it`);
  }
  return new Random(deriveSeed(seed, `window/${step}/${index}`)).int(0, clipFrames - window - 1);
}

/** The `count` frames of a clip from `start`, as a clip (a view of its bytes, no copy). */
function framesOf(clip: FirstFrames & { id?: string }, start: number, count: number, index: number): Clip {
  const [t, h, w, c] = clip.shape;
  if (start + count > t) throw new RangeError(`clip ${clip.id ?? index} has ${t} frames; frames ${start}..${start + count - 1} were asked for`);
  const frameBytes = h * w * c;
  return {
    id: clip.id ?? `clip-${index}`,
    frames: clip.frames.subarray(start * frameBytes, (start + count) * frameBytes),
    shape: [count, h, w, c],
    caption: '',
    tokens: [],
    split: 'train',
    source: '',
    attributes: {},
  };
}

export class UnetTrainer implements NextFrameModel {
  readonly model: UnetModel;
  /** The fixed bag-of-words sentence encoder: ids int32 [N, captionLength] -> multi-hot [N, vocabulary size]. */
  readonly encoder: tf.LayersModel;
  readonly vocabulary: Vocabulary;
  readonly captionLength: number;
  readonly clipFrames: number | undefined;

  constructor(args: UnetTrainerArgs) {
    this.vocabulary = args.vocabulary;
    this.captionLength = args.captionLength ?? 12;
    this.clipFrames = args.clipFrames;
    if (this.clipFrames !== undefined && !(Number.isSafeInteger(this.clipFrames) && this.clipFrames >= args.model.frames + 1)) {
      throw new RangeError(`clipFrames must be at least the window + 1 (${args.model.frames + 1}), got ${this.clipFrames}`);
    }
    this.encoder = bagOfWordsEncoder({ vocabSize: args.vocabulary.size, length: this.captionLength });
    this.model = new UnetModel({ ...args.model, sentenceDim: args.vocabulary.size });
  }

  get window(): number {
    return this.model.args.frames;
  }

  get size(): number {
    return this.model.args.size;
  }

  get channels(): number {
    return this.model.args.channels;
  }

  encode(ids: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.encoder.apply(ids, { training: false }) as tf.Tensor2D);
  }

  rollout(first: tf.Tensor5D, sentences: tf.Tensor2D, frames: number): tf.Tensor5D {
    return this.model.rollout(first, sentences, frames);
  }

  /** The window starts of a batch of `count` clips at `step` (default: the next step). */
  windowStarts(count: number, clipFrames: number, step: number = this.model.step): number[] {
    return Array.from({ length: count }, (_, i) => windowStart(this.model.args.seed, step, i, clipFrames, this.window));
  }

  /** One training step (a discriminator update in the adversarial phase, then the predictor's) on clips. */
  trainStep(clips: readonly Clip[]): UnetStepResult {
    if (clips.length === 0) throw new RangeError('trainStep needs at least one clip');
    const step = this.model.step;
    const d = this.window;
    const clipFrames = this.clipFrames ?? clips[0]!.shape[0];
    for (const clip of clips) {
      if (clip.shape[0] < clipFrames) throw new RangeError(`clip ${clip.id} has ${clip.shape[0]} frames; windows are cut from the first ${clipFrames}`);
    }
    const starts = this.windowStarts(clips.length, clipFrames, step);
    const cut = clips.map((clip, i) => framesOf(clip, starts[i]!, d + 1, i));
    const videos = clipsToVideos(cut, { frames: d + 1, size: this.size, channels: this.channels });
    let pair: ReturnType<typeof frameWindow>;
    try {
      pair = frameWindow(videos, 0, d);
    } finally {
      videos.dispose();
    }
    const encoded = encodeCaptions(this.vocabulary, clips.map((c) => c.tokens), this.captionLength);
    const sentences = tf.tidy(() => this.encode(captionTensor(encoded)));
    let wrongSentences: tf.Tensor2D | undefined;
    if (this.model.phaseAt(step) === 'adversarial') {
      const wrong = mismatchedIndices(captionRows(encoded), deriveSeed(this.model.args.seed, `wrong/${step}`));
      if (wrong[0] !== -1) wrongSentences = tf.gather(sentences, Array.from(wrong));
    }
    try {
      return this.model.trainStep({ frames: pair.frames, next: pair.next, sentences, wrongSentences });
    } finally {
      tf.dispose([pair.frames, pair.next, sentences, ...(wrongSentences ? [wrongSentences] : [])]);
    }
  }

  /** See rolloutVideos: videos rolled out from the first d frames of `firsts` under `captions`. */
  generate(captions: readonly string[], firsts: readonly FirstFrames[], frames: number, options: RolloutOptions = {}): RolledOutVideo[] {
    return rolloutVideos(this, captions, firsts, frames, options);
  }
}

/**
 * Videos rolled out with the predictor in inference mode: video i starts from the first d frames of
 * `firsts[i]` (resized to the model's size) under `captions[i]` and continues with `frames` predicted
 * frames. With `context` (default) the d given frames open the video (d + frames frames in all). No
 * randomness: the same model and inputs give the same bytes.
 */
export function rolloutVideos(model: NextFrameModel, captions: readonly string[], firsts: readonly FirstFrames[], frames: number, options: RolloutOptions = {}): RolledOutVideo[] {
  if (captions.length !== firsts.length) throw new RangeError(`one caption per first-frames clip: ${captions.length} captions, ${firsts.length} clips`);
  if (!(Number.isSafeInteger(frames) && frames >= 1)) throw new RangeError(`frames must be a positive integer, got ${frames}`);
  const batch = options.batch ?? 16;
  const context = options.context ?? true;
  const { window: d, size, channels } = model;
  const out: RolledOutVideo[] = [];
  for (let start = 0; start < captions.length; start += batch) {
    const chunk = captions.slice(start, start + batch);
    const n = chunk.length;
    const first = clipsToVideos(firsts.slice(start, start + batch).map((f, k) => framesOf(f, 0, d, start + k)), { frames: d, size, channels });
    const encoded = encodeCaptions(model.vocabulary, chunk.map((c) => tokenize(c)), model.captionLength);
    const videos = tf.tidy(() => {
      const sentences = model.encode(captionTensor(encoded));
      const predicted = model.rollout(first, sentences, frames);
      if (!context) return predicted;
      const pixels = size * size * channels;
      const joined = tf.concat([tf.reshape(first, [n, d, pixels]), tf.reshape(predicted, [n, frames, pixels])], 1);
      return tf.reshape(joined, [n, d + frames, size, size, channels]) as tf.Tensor5D;
    });
    first.dispose();
    try {
      videosToBytes(videos, options.size).forEach((v, k) => out.push({ caption: chunk[k]!, ...v }));
    } finally {
      videos.dispose();
    }
  }
  return out;
}
