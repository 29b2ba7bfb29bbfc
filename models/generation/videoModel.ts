/**
 * A model folder (t2v-model.json) opened for generation, whatever its kind: `loadVideoModel(dir)` reads
 * t2v-model.json's `kind` and wraps the bundle that kind names behind one interface (captions and
 * seeds in, videos as bytes [T, H, W, C] out).
 *
 * - `tganc` (models/tganc/TganBundle.ts): one generator pass from (noise seeded by the video's seed,
 *   caption); the same bytes as TganTrainer.generate.
 * - `unet` (models/unet/UnetBundle.ts): a next-frame predictor rolled out from first frames
 *   (firstFrames.ts says where they come from): the video holds the `window` given frames, then
 *   predicted ones up to the model's clip length (t2v-model.json training.frames).
 * - `stackvgan` (models/stackvgan/StackVganBundle.ts): two stages, caption -> Stage-I image -> Stage-II
 *   video, every noise (z1, the conditioning augmentation's eps, z2) seeded by the video's seed; the same
 *   bytes as StackVganTrainer.generate.
 */
import type { ClipShape } from '../../datasets/clip.ts';
import type { Vocabulary } from '../../text/Vocabulary.ts';
import { readModelInfo, type ModelFolderInfo, type ModelKind } from '../io/modelFolder.ts';
import { openFirstFrames, type FirstFrames, type FirstFrameSource } from './firstFrames.ts';
import { checkTruncationFor } from './truncation.ts';

export { MODEL_JSON, MODEL_KINDS, readModelInfo, type ModelFolderInfo, type ModelKind } from '../io/modelFolder.ts';

/** One video to make: its caption and its own seed (TGANs-C: the noise; U-Net: which first frames). */
export interface VideoJob {
  caption: string;
  seed: number;
}

export interface GeneratedVideo {
  frames: Uint8Array;
  shape: ClipShape;
  /** U-Net: where the first frames came from (a clip id or an image file). */
  firstFrame?: string;
}

export interface VideoModel {
  readonly kind: ModelKind;
  readonly info: ModelFolderInfo;
  readonly vocabulary: Vocabulary;
  /** `tganc, 16x48x48x1, trained 500 steps` and the like. */
  readonly summary: string;
  /** Further lines for the log (U-Net: where first frames come from, which frames are given). */
  readonly notes: readonly string[];
  /** The videos of `jobs`, in order, as bytes [T, H, W, C]. */
  generate(jobs: readonly VideoJob[]): Promise<GeneratedVideo[]>;
  dispose(): void;
}

export interface LoadVideoModelOptions {
  /** Relative paths (datasets, images) resolve against this. Default: process.cwd(). */
  cwd?: string;
  /** U-Net: `--first-frame` (see firstFrames.ts); '' or absent for the default. */
  firstFrame?: string;
  /** U-Net: `--data`, the dataset first-frame clips come from; '' or absent for the training dataset. */
  data?: string;
  /** The folder as the user named it, for messages. Default: `dir`. */
  name?: string;
  /** ψ in (0, 1] scaling the noise of tganc and stackvgan models (models/tganc/seeds.ts); default 1. A U-Net draws none and refuses another. */
  truncation?: number;
}

/** The clip length a U-Net model makes (the given window included): its training clips' length. */
export function unetVideoFrames(window: number, training: Record<string, unknown>): number {
  const frames = training['frames'];
  if (typeof frames === 'number' && Number.isSafeInteger(frames) && frames > window) return frames;
  return Math.max(window + 1, 16);
}

/** Opens the model folder `dir` (see the module comment). TensorFlow.js must be set up (selectBackend). */
export async function loadVideoModel(dir: string, options: LoadVideoModelOptions = {}): Promise<VideoModel> {
  const info = await readModelInfo(dir);
  const truncation = options.truncation ?? 1;
  checkTruncationFor(info.kind, options.name ?? dir, truncation);
  if (info.kind === 'tganc') {
    const model = await loadTgan(dir, truncation);
    const ignored = [options.firstFrame ? '--first-frame' : '', options.data ? '--data' : ''].filter(Boolean);
    return ignored.length === 0 ? model : { ...model, notes: [`warning: ${ignored.join(' and ')} only matter(s) for U-Net models: ignored for this tganc model`] };
  }
  if (info.kind === 'stackvgan') return loadStackVgan(dir, options, truncation);
  return loadUnet(dir, options);
}

/** "N steps", plus "after a warm start from …" for a run that began from another run's weights. */
function trainedSteps(training: Record<string, unknown>): string {
  const steps = `${String(training['trainedSteps'] ?? '?')} steps`;
  return typeof training['initFrom'] === 'string' ? `${steps} after a warm start from ${training['initFrom']}` : steps;
}

async function loadTgan(dir: string, truncation: number): Promise<VideoModel> {
  const { TganBundle } = await import('../tganc/TganBundle.ts');
  const { generateVideoBatch } = await import('../tganc/TganTrainer.ts');
  const bundle = await TganBundle.load(dir);
  const { frames, size, channels } = bundle.args;
  return {
    kind: 'tganc',
    info: bundle.info,
    vocabulary: bundle.vocabulary,
    summary: `${bundle.info.kind}, ${frames}x${size}x${size}x${channels}, trained ${trainedSteps(bundle.info.training)}`,
    notes: [],
    async generate(jobs) {
      return generateVideoBatch(bundle, bundle.vocabulary, bundle.info.captionLength, jobs.map((j) => ({ caption: j.caption, seed: j.seed })), undefined, truncation);
    },
    dispose: () => bundle.dispose(),
  };
}

async function loadUnet(dir: string, options: LoadVideoModelOptions): Promise<VideoModel> {
  const { UnetBundle } = await import('../unet/UnetBundle.ts');
  const bundle = await UnetBundle.load(dir);
  let firsts: FirstFrameSource;
  try {
    const dataset = bundle.info.training['dataset'];
    firsts = await openFirstFrames({
      firstFrame: options.firstFrame ?? '',
      data: options.data ?? '',
      trainingDataset: typeof dataset === 'string' ? dataset : undefined,
      cwd: options.cwd ?? process.cwd(),
      model: options.name ?? dir,
      geometry: { window: bundle.window, size: bundle.size, channels: bundle.channels },
    });
  } catch (error) {
    bundle.dispose();
    throw error;
  }
  const window = bundle.window;
  const total = unetVideoFrames(window, bundle.info.training);
  const predicted = total - window;
  const { size, channels } = bundle;
  return {
    kind: 'unet',
    info: bundle.info,
    vocabulary: bundle.vocabulary,
    summary: `${bundle.info.kind}, ${total}x${size}x${size}x${channels} (${window} given frames, then ${predicted} predicted), trained ${trainedSteps(bundle.info.training)}`,
    notes: [firsts.description, `a U-Net rolls videos out: the first ${window} frames of every video are the given ones, the ${predicted} after them predicted`],
    async generate(jobs) {
      const starts: FirstFrames[] = [];
      for (const job of jobs) starts.push(await firsts.pick(job.caption, job.seed));
      const videos = bundle.videos(jobs.map((j) => j.caption), starts, predicted);
      return videos.map((v, k) => ({ frames: v.frames, shape: v.shape, firstFrame: starts[k]!.source }));
    },
    dispose: () => {
      firsts.dispose?.();
      bundle.dispose();
    },
  };
}

async function loadStackVgan(dir: string, options: LoadVideoModelOptions, truncation: number): Promise<VideoModel> {
  const { StackVganBundle } = await import('../stackvgan/StackVganBundle.ts');
  const bundle = await StackVganBundle.load(dir);
  const { frames, size, channels } = bundle.args;
  const notes = [`a two-stage model: each caption gives a Stage-I image (StackGAN-I), which Stage-II (VGAN) animates under the same caption`];
  if (bundle.info.wordVectors.source === 'random') notes.push('its word vectors are seeded random stand-ins (no pretrained vectors were given at training)');
  const ignored = [options.firstFrame ? '--first-frame' : '', options.data ? '--data' : ''].filter(Boolean);
  if (ignored.length > 0) notes.push(`warning: ${ignored.join(' and ')} only matter(s) for U-Net models: ignored for this stackvgan model (its first frame is its own Stage-I image)`);
  return {
    kind: 'stackvgan',
    info: bundle.info,
    vocabulary: bundle.vocabulary,
    summary: `${bundle.info.kind}, ${frames}x${size}x${size}x${channels} (caption -> image -> video), trained ${trainedSteps(bundle.info.training)}`,
    notes,
    async generate(jobs) {
      return bundle.videos(jobs.map((j) => ({ caption: j.caption, seed: j.seed })), { truncation }).map((v) => ({ frames: v.frames, shape: v.shape }));
    },
    dispose: () => bundle.dispose(),
  };
}
