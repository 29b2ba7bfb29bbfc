/**
 * What a StackGAN-I -> VGAN training run shows along the way, all deterministic (same seed, same bytes):
 * - `samples/step-XXXXXXXX.gif` (and `latest.gif`): one labelled row per fixed clip (`sampleClips` from
 *   the train split, seen captions, then as many from val, unseen ones in orange; each row another
 *   caption, as for the U-Net: unetSnapshots.ts picks them). Columns: the real clip; the Stage-I image of
 *   its caption (held still); the full chain, Stage-II animating that image; Stage-II animating the real
 *   first frame (what it trains on). Row i's noise is seeded by (seed, i), the same at every step, so
 *   the grids show the model changing, not the noise. `samples/rows.txt` lists the rows;
 * - `loss.png`: the loss curves so far;
 * - progress lines every `logEvery` steps (StackVganReporter): phase, losses, steps/s, ETA.
 */
import { join } from 'node:path';
import type { Clip, ClipShape, Split } from '../../datasets/clip.ts';
import type { Dataset } from '../../datasets/shards/Dataset.ts';
import { clipsToVideos, videosToBytes } from '../../models/training/clipsToVideos.ts';
import type { MetricsRow } from '../../models/training/MetricsLog.ts';
import { lossPlotPng } from '../../models/training/lossPlot.ts';
import { formatDuration } from '../../models/training/TrainingReporter.ts';
import { deriveSeed } from '../../models/tganc/seeds.ts';
import type { StackVganTrainer } from '../../models/stackvgan/StackVganTrainer.ts';
import type { StackVganStepResult } from '../../models/stackvgan/StackVganModel.ts';
import { encodeCaptionedGifGrid } from '../../media/captionedGifGrid.ts';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';
import type { TrainStackVganConfig } from '../train-stackvgan.ts';
import { clipIndicesBySplit, spread } from './unetSnapshots.ts';

const PLOTTED = ['vaeLoss', 'siamese', 'g1Loss', 'd1Loss', 'g2Loss', 'd2Loss'];

export interface StackVganSnapshotsArgs {
  out: string;
  dataset: Dataset;
  trainer: StackVganTrainer;
  config: TrainStackVganConfig;
}

interface SampleRow {
  split: Split;
  clip: Clip;
}

type Video = { frames: Uint8Array; shape: ClipShape };

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
    const bySplit = await clipIndicesBySplit(dataset);
    const rows: SampleRow[] = [];
    for (const split of ['train', 'val'] as const) {
      for (const index of spread(bySplit.get(split) ?? [], config.sampleClips)) rows.push({ split, clip: await dataset.clip(index) });
    }
    if (rows.length === 0) throw new Error(`${dataset.dir}: no train or val clips to draw samples from`);
    const videos = clipsToVideos(rows.map((r) => r.clip), { frames: trainer.frames, size: trainer.size, channels: trainer.channels });
    let real: Video[];
    try {
      real = videosToBytes(videos);
    } finally {
      videos.dispose();
    }
    await makeDirectory(join(out, 'samples'));
    await writeFileAtomic(
      join(out, 'samples', 'rows.txt'),
      '# columns: the real clip; the Stage-I image of its caption (held still); Stage-II animating that image (caption -> image -> video); Stage-II animating the real first frame\n' +
        rows.map((r, i) => `${i + 1}\t${label(r.split)}\t${r.clip.id}\t${r.clip.caption}`).join('\n') +
        '\n',
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
        label: `${label(r.split)}: ${r.clip.caption}`,
        color: r.split === 'train' ? [200, 200, 200] : [255, 170, 60],
        videos: [this.real[i]!, still(chain[i]!.image, trainer.frames), chain[i]!, fromReal[i]!],
      })),
    );
    const name = `step-${String(step).padStart(8, '0')}.gif`;
    await writeFileAtomic(join(out, 'samples', name), gif);
    await writeFileAtomic(join(out, 'samples', 'latest.gif'), gif);
    await writeFileAtomic(join(out, 'loss.png'), lossPlotPng(metrics, PLOTTED.filter((c) => metrics.some((r) => Number.isFinite(r[c])))));
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
export class StackVganReporter {
  private readonly started = Date.now();
  private windowStart = Date.now();
  private windowSteps = 0;
  private steps = 0;
  private last: StackVganStepResult | undefined;

  constructor(private readonly args: { total: number; every: number; log: (line: string) => void }) {}

  step(step: number, result: StackVganStepResult): void {
    this.steps++;
    this.windowSteps++;
    this.last = result;
    if (step % this.args.every !== 0 && step < this.args.total) return;
    const now = Date.now();
    const rate = this.windowSteps / Math.max(1e-3, (now - this.windowStart) / 1000);
    this.windowStart = now;
    this.windowSteps = 0;
    const width = String(this.args.total).length;
    this.args.log(
      `step ${String(step).padStart(width)}/${this.args.total}  ${describe(result)}  ${rate >= 1 ? rate.toFixed(2) + ' steps/s' : (1 / rate).toFixed(2) + ' s/step'}  ETA ${formatDuration((this.args.total - step) / rate)}`,
    );
  }

  summary(): Record<string, unknown> {
    const seconds = (Date.now() - this.started) / 1000;
    return {
      stepsThisRun: this.steps,
      seconds: Math.round(seconds * 10) / 10,
      secondsPerStep: this.steps ? Math.round((seconds / this.steps) * 1000) / 1000 : undefined,
      ...(this.last ? { finalPhase: this.last.phase, finalLosses: this.last.losses } : {}),
    };
  }
}

/** `text  vae 12.3  siamese 0.456` or `gan  d1 1.234  g1 0.789  d2 1.345  g2 0.678`. */
export function describe(result: StackVganStepResult): string {
  const l = result.losses;
  const f = (v: number | undefined, digits = 3) => (v === undefined ? '?' : v.toFixed(digits));
  if (result.phase === 'text') return `text  vae ${f(l.vaeLoss, 2)}  siamese ${f(l.siamese)}`;
  return `gan  d1 ${f(l.d1Loss)}  g1 ${f(l.g1Loss)}  d2 ${f(l.d2Loss)}  g2 ${f(l.g2Loss)}`;
}

function label(split: Split): string {
  return split === 'train' ? 'seen' : 'unseen';
}
