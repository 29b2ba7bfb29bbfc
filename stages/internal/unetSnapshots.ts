/**
 * What a U-Net training run shows along the way, all deterministic (same seed, same bytes):
 * - `samples/step-XXXXXXXX.gif` (and `latest.gif`): one labelled row per fixed clip (`sampleClips` from
 *   the train split, seen, then as many from val, unseen combinations, labelled in orange; each of another
 *   caption, spread over the sorted captions, the first clip showing it); each row holds
 *   the real clip, then the rollout from its first `window` frames under its caption (those frames, then
 *   `frames - window` predicted ones). `samples/rows.txt` lists the rows;
 * - `loss.png`: the loss curves so far;
 * - progress lines every `logEvery` steps (unetReporter): losses, steps/s, ETA.
 */
import type { Dataset } from '../../datasets/shards/Dataset.ts';
import type { MetricsRow } from '../../models/training/MetricsLog.ts';
import { TrainingReporter } from '../../models/training/TrainingReporter.ts';
import type { RolledOutVideo, UnetTrainer } from '../../models/unet/UnetTrainer.ts';
import type { UnetStepResult } from '../../models/unet/UnetModel.ts';
import { encodeCaptionedGifGrid } from '../../media/captionedGifGrid.ts';
import type { TrainUnetConfig } from '../train-unet.ts';
import { SEEN_COLOR, UNSEEN_COLOR, pickSampleRows, plottedColumns, realVideosOf, splitLabel, writeSampleGrid, writeSampleRowsList, type SampleRow } from './sampleGrid.ts';

const PLOTTED = ['loss', 'mse', 'adversarial', 'dLoss'];

export interface UnetSnapshotsArgs {
  out: string;
  dataset: Dataset;
  trainer: UnetTrainer;
  config: TrainUnetConfig;
}

export class UnetSnapshots {
  private constructor(
    private readonly args: UnetSnapshotsArgs,
    private readonly rows: SampleRow[],
    /** The real clips of the rows as the model sees them (first `frames` frames at the model's size). */
    private readonly real: RolledOutVideo[],
    /** The dataset's train (seen) and val (unseen) captions. */
    readonly seen: string[],
    readonly unseen: string[],
  ) {}

  static async create(args: UnetSnapshotsArgs): Promise<UnetSnapshots> {
    const { dataset, config, out, trainer } = args;
    const rows = await pickSampleRows(dataset, config.sampleClips);
    const real = realVideosOf(rows, { frames: config.frames, size: trainer.size, channels: trainer.channels }).map((v, i) => ({ caption: rows[i]!.clip.caption, ...v }));
    await writeSampleRowsList(out, `the real clip; the rollout from its first ${config.window} frames (then ${config.frames - config.window} predicted)`, rows);
    return new UnetSnapshots(args, rows, real, await dataset.captions('train'), await dataset.captions('val'));
  }

  async samples(step: number, metrics: readonly MetricsRow[]): Promise<void> {
    const { trainer, config, out } = this.args;
    const predicted = trainer.generate(
      this.rows.map((r) => r.clip.caption),
      this.rows.map((r) => r.clip),
      config.frames - config.window,
    );
    const gif = encodeCaptionedGifGrid(
      this.rows.map((r, i) => ({
        label: `${splitLabel(r.split)}: ${r.clip.caption}`,
        color: r.split === 'train' ? SEEN_COLOR : UNSEEN_COLOR,
        videos: [this.real[i]!, predicted[i]!],
      })),
    );
    await writeSampleGrid(out, step, gif, metrics, plottedColumns(PLOTTED, metrics));
  }
}

/** Progress lines for the U-Net: step, predictor loss, MSE (and D's loss when adversarial), rate, ETA. */
export function unetReporter(args: { total: number; every: number; log: (line: string) => void }): TrainingReporter<UnetStepResult> {
  return new TrainingReporter({
    ...args,
    describe,
    final: (last) => ({ finalLoss: last.loss, finalMse: last.mse, ...(last.dLoss !== undefined ? { finalDLoss: last.dLoss } : {}) }),
  });
}

/** `loss 0.123  mse 0.120` (+ `adv …  dLoss …` in the adversarial phase). */
export function describe(result: UnetStepResult): string {
  const parts = [`loss ${result.loss.toFixed(4)}`, `mse ${result.mse.toFixed(4)}`];
  if (result.adversarial !== undefined) parts.push(`adv ${result.adversarial.toFixed(3)}`);
  if (result.dLoss !== undefined) parts.push(`dLoss ${result.dLoss.toFixed(3)}`);
  return parts.join('  ');
}
