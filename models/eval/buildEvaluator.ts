/**
 * Build the digit evaluator folder from real clips and check it on fresh real clips:
 *
 *   node --import tsx models/eval/buildEvaluator.ts --out outputs/evaluator/sbmg \
 *     [--dataset outputs/datasets/sbmg] [--seed 0] [--frames 10000] [--epochs 3] [--backend wasm] [--score 500]
 *
 * Without --dataset, frames come from bouncingDigits generated on the fly (generatedClipSources); with it,
 * from the dataset's train split (validation on its val split). --score N then scores N fresh real clips
 * of training handwriting and N of held-out handwriting (a generator seed no training clip came from) and
 * prints both reports' summaries; nothing is downloaded.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bouncingDigits } from '../../datasets/synthetic/bouncingDigits.ts';
import { selectBackend, type BackendChoice } from '../backend/selectBackend.ts';
import type { DigitFrameClassifier } from './DigitFrameClassifier.ts';
import { scoreVideos, type AccuracySummary } from './scoreVideos.ts';
import {
  datasetClipSources,
  generatedClipSources,
  saveEvaluator,
  trainDigitClassifier,
  type EvaluatorReport,
} from './trainEvaluator.ts';

export interface BuildEvaluatorArgs {
  out: string;
  dataset?: string;
  seed?: number;
  frames?: number;
  epochs?: number;
  backend?: BackendChoice;
  /** Real clips to score per handwriting group after training (0 = none). */
  score?: number;
  log?: (line: string) => void;
}

export interface RealClipScores {
  /** Clips drawn with training-range MNIST instances (handwriting of the training split). */
  trainHandwriting: AccuracySummary;
  /** Clips drawn with held-out MNIST instances. */
  heldOutHandwriting: AccuracySummary;
}

/** Score `count` fresh real clips of each handwriting group (seed chosen apart from training seeds). */
export function scoreRealClips(classifier: DigitFrameClassifier, count: number, seed: number, size = 64): RealClipScores {
  const clips = [...bouncingDigits({ count: Math.ceil(count * 2.2), seed, size, split: 'random', valFraction: 0.5 })];
  const group = (split: 'train' | 'val') => clips.filter((c) => c.split === split).slice(0, count);
  return {
    trainHandwriting: scoreVideos(group('train'), classifier).overall,
    heldOutHandwriting: scoreVideos(group('val'), classifier).overall,
  };
}

export async function buildEvaluator(args: BuildEvaluatorArgs): Promise<{ report: EvaluatorReport; scores?: RealClipScores }> {
  const log = args.log ?? (() => {});
  const backend = await selectBackend(args.backend ?? 'wasm', { log });
  const seed = args.seed ?? 0;
  const sources = args.dataset === undefined ? generatedClipSources({ seed }) : await datasetClipSources(args.dataset, seed);
  const { classifier, report } = await trainDigitClassifier({
    ...sources,
    trainFrames: args.frames,
    epochs: args.epochs,
    seed,
    sourceDescription: args.dataset ?? `bouncingDigits (split random, seed ${seed})`,
    log,
  });
  await saveEvaluator(args.out, classifier, report);
  log(`digit evaluator saved to ${args.out} (backend ${backend.name})`);
  try {
    if (!args.score) return { report };
    const started = performance.now();
    const scores = scoreRealClips(classifier, args.score, seed + 1_000_003);
    log(`scored ${2 * args.score} real clips in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { report, scores };
  } finally {
    classifier.dispose();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      dataset: { type: 'string' },
      seed: { type: 'string' },
      frames: { type: 'string' },
      epochs: { type: 'string' },
      backend: { type: 'string' },
      score: { type: 'string' },
    },
  });
  if (values.out === undefined) {
    console.error('usage: buildEvaluator.ts --out DIR [--dataset DIR] [--seed N] [--frames N] [--epochs N] [--backend wasm|cpu|auto] [--score N]');
    process.exit(2);
  }
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const result = await buildEvaluator({
    out: values.out,
    dataset: values.dataset,
    seed: number(values.seed),
    frames: number(values.frames),
    epochs: number(values.epochs),
    backend: values.backend as BackendChoice | undefined,
    score: number(values.score),
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(result, null, 2));
}
