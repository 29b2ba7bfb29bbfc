/**
 * `t2v eval`: a saved TGANs-C model scored on single-digit bouncing MNIST: `perCaption` videos for
 * every seen (train) and unseen (val) caption, upscaled to the dataset's canvas, scored by the digit
 * evaluator (models/eval). Captions come from the model folder (recorded at training) or a dataset.
 */
import { resolve } from 'node:path';
import { UsageError } from '../../pipeline/errors/index.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { TganBundle } from '../tganc/TganBundle.ts';
import { evaluateCaptionVideos, type CaptionVideoScores } from './evaluateCaptionVideos.ts';
import { loadEvaluator } from './trainEvaluator.ts';
import type { ScoreReport } from './scoreVideos.ts';

export interface EvaluateModelArgs {
  model: string;
  evaluator: string;
  /** A dataset whose train/val captions are the seen/unseen ones; default: those the model recorded. */
  data?: string;
  perCaption: number;
  seed: number;
  /** Canvas the evaluator expects; default 64 (bouncing digits' canvas). */
  size?: number;
}

export async function evaluateModel(args: EvaluateModelArgs): Promise<{ scores: CaptionVideoScores; report: ScoreReport; seen: string[]; unseen: string[]; seconds: number }> {
  const started = Date.now();
  const bundle = await TganBundle.load(resolve(args.model));
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
      const videos = bundle.videos([...captions.seen, ...captions.unseen], { perCaption: args.perCaption, seed: args.seed, size: args.size ?? 64 });
      const { scores, report } = evaluateCaptionVideos(videos, classifier, captions.unseen);
      return { scores, report, ...captions, seconds: (Date.now() - started) / 1000 };
    } finally {
      classifier.model.dispose();
    }
  } finally {
    bundle.dispose();
  }
}
