/**
 * What a TGANs-C training run shows along the way, all deterministic (same seed, same bytes):
 * - `samples/step-XXXXXXXX.gif`: a grid, one row per fixed caption, labelled (the first rows from the
 *   train split, seen; the last, in orange, from val: unseen combinations), `samplesPerCaption` noise
 *   draws each; `samples/rows.txt` lists the rows too;
 * - `loss.png`: the loss curves so far;
 * - with an evaluator: `eval.csv` (seen/unseen accuracy, diversity per evaluation), `eval/step-….json`,
 *   and `best/`, the model of the best unseen accuracy so far (ties: seen accuracy, then the earlier step).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../../datasets/shards/Dataset.ts';
import { evaluateCaptionVideos, type CaptionVideoScores } from '../../models/eval/evaluateCaptionVideos.ts';
import type { DigitFrameClassifier } from '../../models/eval/DigitFrameClassifier.ts';
import { loadEvaluator } from '../../models/eval/trainEvaluator.ts';
import { MODEL_JSON, saveTganBundle } from '../../models/tganc/TganBundle.ts';
import type { TganTrainer } from '../../models/tganc/TganTrainer.ts';
import type { MetricsRow } from '../../models/training/MetricsLog.ts';
import { encodeCaptionedGifGrid } from '../../media/captionedGifGrid.ts';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';
import type { TrainTgancConfig } from '../train-tganc.ts';
import { SEEN_COLOR, UNSEEN_COLOR, spread, writeSampleGrid } from './sampleGrid.ts';

const SAMPLE_SEED = 7;
const EVAL_SEED = 11;
const PLOTTED = ['dLoss', 'gLoss', 'dVideo', 'dFrame', 'dMotion', 'gVideo', 'gFrame', 'gMotion'];

export interface TganSnapshotsArgs {
  out: string;
  dataset: Dataset;
  trainer: TganTrainer;
  config: TrainTgancConfig;
  evaluatorDir: string | undefined;
  /**
   * The step a resumed run starts from. Evaluations happen only at checkpoint steps, right after the
   * checkpoint; the stage redoes the samples and evaluation of this step (they may not have been
   * written before the interruption), so rows from this step on are dropped here.
   */
  resumedAt: number | undefined;
  log: (line: string) => void;
}

export class TganSnapshots {
  /** The scores of the last evaluation. */
  lastScores: (CaptionVideoScores & { step: number }) | undefined;
  private best: (CaptionVideoScores & { step: number }) | undefined;

  private constructor(
    private readonly args: TganSnapshotsArgs,
    private readonly sampleRows: string[],
    /** The dataset's train (seen) and val (unseen) captions. */
    readonly seen: string[],
    readonly unseen: string[],
    private readonly classifier: DigitFrameClassifier | undefined,
    private evalRows: string[],
  ) {}

  static async create(args: TganSnapshotsArgs): Promise<TganSnapshots> {
    const seen = await args.dataset.captions('train');
    const unseen = await args.dataset.captions('val');
    const k = args.config.sampleCaptions;
    const sampleRows = [...spread(seen, k), ...spread(unseen, k)];
    await makeDirectory(join(args.out, 'samples'));
    await writeFileAtomic(
      join(args.out, 'samples', 'rows.txt'),
      sampleRows.map((caption, i) => `${i + 1}\t${i < Math.min(k, seen.length) ? 'seen' : 'unseen'}\t${caption}`).join('\n') + '\n',
    );
    let classifier: DigitFrameClassifier | undefined;
    let evalRows: string[] = [];
    if (args.evaluatorDir !== undefined) {
      classifier = (await loadEvaluator(args.evaluatorDir)).classifier;
      if (args.resumedAt !== undefined) {
        const text = await readFile(join(args.out, 'eval.csv'), 'utf8').catch(() => '');
        evalRows = text.split('\n').filter((line) => line.length > 0);
        evalRows = evalRows.filter((line, i) => i === 0 || Number(line.split(',')[0]) < args.resumedAt!);
      }
    }
    const snapshots = new TganSnapshots(args, sampleRows, seen, unseen, classifier, evalRows);
    await snapshots.restoreBest();
    return snapshots;
  }

  async samples(step: number, rows: readonly MetricsRow[]): Promise<void> {
    const { trainer, config, out } = this.args;
    const videos = trainer.generate(this.sampleRows, { perCaption: config.samplesPerCaption, seed: SAMPLE_SEED });
    const seenRows = Math.min(config.sampleCaptions, this.seen.length);
    const gif = encodeCaptionedGifGrid(
      this.sampleRows.map((caption, i) => ({
        label: `${i < seenRows ? 'seen' : 'unseen'}: ${caption}`,
        color: i < seenRows ? SEEN_COLOR : UNSEEN_COLOR,
        videos: videos.slice(i * config.samplesPerCaption, (i + 1) * config.samplesPerCaption),
      })),
    );
    await writeSampleGrid(out, step, gif, rows, PLOTTED.filter((c) => rows.some((r) => c in r)));
  }

  async evaluate(step: number, training: Record<string, unknown>): Promise<void> {
    if (this.classifier === undefined) return;
    const { trainer, config, out, dataset } = this.args;
    const captions = [...this.seen, ...this.unseen];
    const videos = trainer.generate(captions, { perCaption: config.evalPerCaption, seed: EVAL_SEED, size: dataset.meta.shape[1] });
    const { scores, report } = evaluateCaptionVideos(videos, this.classifier, this.unseen);
    const row = { step, ...scores };
    this.lastScores = row;
    if (this.evalRows.length === 0) this.evalRows.push(Object.keys(row).join(','));
    this.evalRows.push(Object.values(row).map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(4))).join(','));
    await writeFileAtomic(join(out, 'eval.csv'), this.evalRows.join('\n') + '\n');
    await makeDirectory(join(out, 'eval'));
    await writeFileAtomic(join(out, 'eval', `step-${String(step).padStart(8, '0')}.json`), JSON.stringify({ step, scores, seen: report.seen, unseen: report.unseen, overall: report.overall }, null, 2) + '\n');
    this.args.log(
      `eval at step ${step}: unseen ${pct(scores.unseenBoth)} (digit ${pct(scores.unseenDigit)}, motion ${pct(scores.unseenMotion)}), seen ${pct(scores.seenBoth)}, diversity ${scores.diversity.toFixed(3)}`,
    );
    if (this.best === undefined || better(row, this.best)) {
      this.best = row;
      await saveTganBundle(join(out, 'best'), trainer, { training: { ...training, trainedSteps: step, captions: { seen: this.seen, unseen: this.unseen } }, scores: row });
    }
  }

  dispose(): void {
    this.classifier?.model.dispose();
  }

  /** A resumed run continues comparing against the best model saved before the interruption. */
  private async restoreBest(): Promise<void> {
    if (this.args.resumedAt === undefined) return;
    const text = await readFile(join(this.args.out, 'best', MODEL_JSON), 'utf8').catch(() => undefined);
    const scores = text === undefined ? undefined : (JSON.parse(text) as { scores?: CaptionVideoScores & { step: number } }).scores;
    if (scores !== undefined && scores.step < this.args.resumedAt) this.best = scores;
  }
}

function better(a: CaptionVideoScores, b: CaptionVideoScores): boolean {
  const key = (s: CaptionVideoScores) => [nan0(s.unseenBoth), nan0(s.seenBoth)];
  const [a1, a2] = key(a);
  const [b1, b2] = key(b);
  return a1! > b1! || (a1 === b1 && a2! > b2!);
}

function nan0(v: number): number {
  return Number.isNaN(v) ? -1 : v;
}

function pct(v: number): string {
  return Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}
