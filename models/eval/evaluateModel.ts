/**
 * `t2v eval`: a saved model scored on single-digit bouncing MNIST, by the digit evaluator (models/eval).
 * Captions come from the model folder (recorded at training) or a dataset (`data`): the train ones are
 * seen, the val ones unseen. t2v-model.json's kind says how videos are made:
 * - `tganc`: `perCaption` videos for every caption (noise seeded from `seed`), upscaled to the
 *   dataset's canvas;
 * - `stackvgan`: as tganc (caption -> Stage-I image -> Stage-II video, all seeded from `seed`);
 * - `unet`: a next-frame predictor needs first frames: `perCaption` clips of every caption (seen: the
 *   train split, unseen: the val split; picked by `seed`) from the dataset the model was trained on (or
 *   `data`) give their first `window` frames, and the rollout after them is scored; the given frames
 *   are left out of the scored video, as they already show the digit and its motion.
 */
import { resolve } from 'node:path';
import { UsageError } from '../../pipeline/errors/index.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { Random } from '../../utils/random.ts';
import { TganBundle } from '../tganc/TganBundle.ts';
import { DatasetClips, type FirstFrames } from '../generation/firstFrames.ts';
import { readModelInfo, unetVideoFrames, type ModelKind } from '../generation/videoModel.ts';
import { evaluateCaptionVideos, type CaptionVideoScores } from './evaluateCaptionVideos.ts';
import { loadEvaluator } from './trainEvaluator.ts';
import { checkTruncationFor } from '../generation/truncation.ts';
import type { ScoreReport, VideoToScore } from './scoreVideos.ts';

export interface EvaluateModelArgs {
  model: string;
  evaluator: string;
  /** A dataset whose train/val captions are the seen/unseen ones; default: those the model recorded. */
  data?: string;
  perCaption: number;
  seed: number;
  /** ψ scaling the generator's noise (seeds.ts); default 1. Models without noise (U-Net) refuse another. */
  truncation?: number;
  /** Canvas the evaluator expects; default 64 (bouncing digits' canvas). */
  size?: number;
}

export interface EvaluateModelResult {
  kind: ModelKind;
  scores: CaptionVideoScores;
  report: ScoreReport;
  /** The captions scored. */
  seen: string[];
  unseen: string[];
  seconds: number;
  /** What to know to read the numbers (U-Net: which frames were given and which scored); none for tganc. */
  notes: string[];
}

export async function evaluateModel(args: EvaluateModelArgs): Promise<EvaluateModelResult> {
  const info = await readModelInfo(resolve(args.model));
  checkTruncationFor(info.kind, args.model, args.truncation ?? 1);
  if (info.kind === 'unet') return evaluateUnet(args);
  if (info.kind === 'stackvgan') {
    const { StackVganBundle } = await import('../stackvgan/StackVganBundle.ts');
    const notes = ['StackGAN-I -> VGAN: every video is made from its caption alone (its first frame is the Stage-I image), as for tganc'];
    return { kind: 'stackvgan', ...(await evaluateFromCaptions(args, await StackVganBundle.load(resolve(args.model)))), notes };
  }
  return { kind: 'tganc', ...(await evaluateFromCaptions(args, await TganBundle.load(resolve(args.model)))), notes: [] };
}

/** A model that makes videos from captions and seeds alone: TganBundle, or StackVganBundle (captionVideos). */
type CaptionVideoBundle =
  | TganBundle
  | { info: { training: Record<string, unknown> }; captionVideos(captions: readonly string[], options: { perCaption: number; seed: number; size: number; truncation: number }): VideoToScore[]; dispose(): void };

async function evaluateFromCaptions(
  args: EvaluateModelArgs,
  bundle: CaptionVideoBundle,
): Promise<{ scores: CaptionVideoScores; report: ScoreReport; seen: string[]; unseen: string[]; seconds: number }> {
  const started = Date.now();
  try {
    let captions = bundle.info.training['captions'] as { seen: string[]; unseen: string[] } | undefined;
    const data = args.data ?? (captions === undefined ? (bundle.info.training['dataset'] as string | undefined) : undefined);
    if (data !== undefined) {
      const dataset = await Dataset.open(resolve(data));
      captions = { seen: await dataset.captions('train'), unseen: await dataset.captions('val') };
    }
    if (captions === undefined) throw new UsageError(`${args.model} does not record its captions: name a dataset with --data`);
    const { classifier } = await loadEvaluator(args.evaluator);
    try {
      const options = { perCaption: args.perCaption, seed: args.seed, size: args.size ?? 64, truncation: args.truncation ?? 1 };
      const all = [...captions.seen, ...captions.unseen];
      const videos = bundle instanceof TganBundle ? bundle.videos(all, options) : bundle.captionVideos(all, options);
      const { scores, report } = evaluateCaptionVideos(videos, classifier, captions.unseen);
      return { scores, report, ...captions, seconds: (Date.now() - started) / 1000 };
    } finally {
      classifier.model.dispose();
    }
  } finally {
    bundle.dispose();
  }
}

/** The U-Net evaluation (see the module comment). */
async function evaluateUnet(args: EvaluateModelArgs): Promise<EvaluateModelResult> {
  const started = Date.now();
  const { UnetBundle } = await import('../unet/UnetBundle.ts');
  const bundle = await UnetBundle.load(resolve(args.model));
  try {
    const training = bundle.info.training;
    const recorded = typeof training['dataset'] === 'string' ? (training['dataset'] as string) : undefined;
    const data = args.data ?? recorded;
    if (data === undefined) throw new UsageError(`${args.model} is a U-Net model and does not record the dataset it was trained on: name one with --data (its clips give the first frames)`);
    let clips: DatasetClips;
    try {
      clips = await DatasetClips.open(resolve(data));
    } catch (error) {
      throw new UsageError(`${args.model}: a U-Net rolls out from the first frames of dataset clips, and dataset ${data}${args.data === undefined ? ' (recorded at training)' : ''} cannot be opened: ${(error as Error).message}; name one with --data`);
    }
    clips.assertFits({ window: bundle.window, size: bundle.size, channels: bundle.channels }, args.model);
    let captions = args.data === undefined ? (training['captions'] as { seen: string[]; unseen: string[] } | undefined) : undefined;
    captions ??= { seen: await clips.dataset.captions('train'), unseen: await clips.dataset.captions('val') };

    // perCaption clips of each caption, from its own split when it has some there, picked by the seed.
    const jobs: { caption: string; index: number }[] = [];
    const scored = { seen: [] as string[], unseen: [] as string[] };
    const missing: string[] = [];
    for (const [group, split] of [['seen', 'train'], ['unseen', 'val']] as const) {
      for (const caption of captions[group]) {
        const own = clips.withCaption(caption, split);
        const pool = own.length > 0 ? own : clips.withCaption(caption);
        if (pool.length === 0) {
          missing.push(caption);
          continue;
        }
        scored[group].push(caption);
        const order = Random.derive(args.seed, 'eval-first-frames', caption).shuffle(pool);
        for (let k = 0; k < args.perCaption; k++) jobs.push({ caption, index: order[k % order.length]! });
      }
    }
    if (jobs.length === 0) throw new UsageError(`${data} has no clip of any caption to score (${captions.seen.length + captions.unseen.length} captions)`);
    const starts: FirstFrames[] = [];
    for (const job of jobs) starts.push(await clips.clip(job.index));

    const window = bundle.window;
    const predicted = unetVideoFrames(window, training) - window;
    const { classifier } = await loadEvaluator(args.evaluator);
    try {
      // context: false leaves the given frames out: only predicted frames are scored.
      const videos = bundle.videos(jobs.map((j) => j.caption), starts, predicted, { context: false, size: args.size ?? 64 });
      starts.length = 0;
      const { scores, report } = evaluateCaptionVideos(videos, classifier, scored.unseen);
      const notes = [
        `U-Net: every video continues the first ${window} frames of a real clip of its caption from ${data} (seen: train clips, unseen: val clips); those frames are given, not scored: only the ${predicted} predicted frames are`,
        `diversity compares rollouts from different clips of a caption (a U-Net draws no noise)`,
      ];
      if (missing.length > 0) notes.push(`${missing.length} caption(s) have no clip in ${data} and are not scored: ${missing.slice(0, 3).join('; ')}${missing.length > 3 ? '; …' : ''}`);
      return { kind: 'unet', scores, report, ...scored, seconds: (Date.now() - started) / 1000, notes };
    } finally {
      classifier.model.dispose();
    }
  } finally {
    bundle.dispose();
  }
}
