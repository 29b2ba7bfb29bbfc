/**
 * What a StackGAN-I -> VGAN training run shows along the way, all deterministic (same seed, same bytes):
 * - `samples/step-XXXXXXXX.gif` (and `latest.gif`): one labelled row per fixed clip (`sampleClips` from
 *   the train split, seen captions, then as many from val, unseen ones in orange; each row another
 *   caption, as for the U-Net: unetSnapshots.ts picks them). Columns: the real clip; the Stage-I image of
 *   its caption (held still); the full chain, Stage-II animating that image; Stage-II animating the real
 *   first frame (what it trains on). Row i's noise is seeded by (seed, i), the same at every step, so
 *   the grids show the model changing, not the noise. `samples/rows.txt` lists the rows;
 * - `loss.png`: the loss curves so far;
 * - progress lines every `logEvery` steps (stackVganReporter): phase, losses, steps/s, ETA.
 */
import type { Dataset } from '../../datasets/shards/Dataset.ts';
import type { MetricsRow } from '../../models/training/MetricsLog.ts';
import { TrainingReporter } from '../../models/training/TrainingReporter.ts';
import { deriveSeed } from '../../models/tganc/seeds.ts';
import type { StackVganTrainer } from '../../models/stackvgan/StackVganTrainer.ts';
import type { StackVganStepResult } from '../../models/stackvgan/StackVganModel.ts';
import { encodeCaptionedGifGrid } from '../../media/captionedGifGrid.ts';
import type { TrainStackVganConfig } from '../train-stackvgan.ts';
import { SEEN_COLOR, UNSEEN_COLOR, pickSampleRows, plottedColumns, realVideosOf, splitLabel, writeSampleGrid, writeSampleRowsList, type SampleRow, type Video } from './sampleGrid.ts';

const PLOTTED = ['vaeLoss', 'siamese', 'g1Loss', 'd1Loss', 'g2Loss', 'd2Loss'];

export interface StackVganSnapshotsArgs {
  out: string;
  dataset: Dataset;
  trainer: StackVganTrainer;
  config: TrainStackVganConfig;
}

export class StackVganSnapshots {
  private constructor(
    private readonly args: StackVganSnapshotsArgs,
    private readonly rows: SampleRow[],
    private readonly real: Video[],
    readonly seen: string[],
    readonly unseen: string[],
  ) {}

  static async create(args: StackVganSnapshotsArgs): Promise<StackVganSnapshots> {
    const { dataset, config, out, trainer } = args;
    const rows = await pickSampleRows(dataset, config.sampleClips);
    const real = realVideosOf(rows, { frames: trainer.frames, size: trainer.size, channels: trainer.channels });
    await writeSampleRowsList(
      out,
      'the real clip; the Stage-I image of its caption (held still); Stage-II animating that image (caption -> image -> video); Stage-II animating the real first frame',
      rows,
    );
    return new StackVganSnapshots(args, rows, real, await dataset.captions('train'), await dataset.captions('val'));
  }

  async samples(step: number, metrics: readonly MetricsRow[]): Promise<void> {
    const { trainer, config, out } = this.args;
    const jobs = this.rows.map((r, i) => ({ caption: r.clip.caption, seed: deriveSeed(config.seed, `sample/${i}`) }));
    const chain = trainer.generate(jobs);
    const fromReal = trainer.generate(jobs, { from: this.rows.map((r) => r.clip) });
    const gif = encodeCaptionedGifGrid(
      this.rows.map((r, i) => ({
        label: `${splitLabel(r.split)}: ${r.clip.caption}`,
        color: r.split === 'train' ? SEEN_COLOR : UNSEEN_COLOR,
        videos: [this.real[i]!, still(chain[i]!.image, trainer.frames), chain[i]!, fromReal[i]!],
      })),
    );
    await writeSampleGrid(out, step, gif, metrics, plottedColumns(PLOTTED, metrics));
  }
}

/** One image [1, H, W, C] repeated as `frames` frames (a grid's videos share one length). */
function still(image: Video, frames: number): Video {
  const [, h, w, c] = image.shape;
  const out = new Uint8Array(frames * image.frames.length);
  for (let t = 0; t < frames; t++) out.set(image.frames, t * image.frames.length);
  return { frames: out, shape: [frames, h, w, c] };
}

/** Progress lines: step, phase losses, rate, ETA. */
export function stackVganReporter(args: { total: number; every: number; log: (line: string) => void }): TrainingReporter<StackVganStepResult> {
  return new TrainingReporter({ ...args, describe, final: (last) => ({ finalPhase: last.phase, finalLosses: last.losses }) });
}

/** `text  vae 12.3  siamese 0.456` or `gan  d1 1.234  g1 0.789  d2 1.345  g2 0.678`. */
export function describe(result: StackVganStepResult): string {
  const l = result.losses;
  const f = (v: number | undefined, digits = 3) => (v === undefined ? '?' : v.toFixed(digits));
  if (result.phase === 'text') return `text  vae ${f(l.vaeLoss, 2)}  siamese ${f(l.siamese)}`;
  return `gan  d1 ${f(l.d1Loss)}  g1 ${f(l.g1Loss)}  d2 ${f(l.d2Loss)}  g2 ${f(l.g2Loss)}`;
}
