/**
 * What a U-Net training run shows along the way, all deterministic (same seed, same bytes):
 * - `samples/step-XXXXXXXX.gif` (and `latest.gif`): one labelled row per fixed clip (`sampleClips` from
 *   the train split, seen, then as many from val, unseen combinations, labelled in orange; each of another
 *   caption, spread over the sorted captions, the first clip showing it); each row holds
 *   the real clip, then the rollout from its first `window` frames under its caption (those frames, then
 *   `frames - window` predicted ones). `samples/rows.txt` lists the rows;
 * - `loss.png`: the loss curves so far;
 * - progress lines every `logEvery` steps (UnetReporter): losses, steps/s, ETA.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clip, Split } from '../../datasets/clip.ts';
import type { Dataset } from '../../datasets/shards/Dataset.ts';
import type { ShardIndexEntry } from '../../datasets/shards/format.ts';
import { clipsToVideos, videosToBytes } from '../../models/training/clipsToVideos.ts';
import type { MetricsRow } from '../../models/training/MetricsLog.ts';
import { lossPlotPng } from '../../models/training/lossPlot.ts';
import { formatDuration } from '../../models/training/TrainingReporter.ts';
import type { RolledOutVideo, UnetTrainer } from '../../models/unet/UnetTrainer.ts';
import type { UnetStepResult } from '../../models/unet/UnetModel.ts';
import { encodeCaptionedGifGrid } from '../../media/captionedGifGrid.ts';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';
import type { TrainUnetConfig } from '../train-unet.ts';

const PLOTTED = ['loss', 'mse', 'adversarial', 'dLoss'];

export interface UnetSnapshotsArgs {
  out: string;
  dataset: Dataset;
  trainer: UnetTrainer;
  config: TrainUnetConfig;
}

interface SampleRow {
  split: Split;
  clip: Clip;
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
    const bySplit = await clipIndicesBySplit(dataset);
    const rows: SampleRow[] = [];
    for (const split of ['train', 'val'] as const) {
      for (const index of spread(bySplit.get(split) ?? [], config.sampleClips)) rows.push({ split, clip: await dataset.clip(index) });
    }
    if (rows.length === 0) throw new Error(`${dataset.dir}: no train or val clips to draw samples from`);
    const videos = clipsToVideos(rows.map((r) => r.clip), { frames: config.frames, size: trainer.size, channels: trainer.channels });
    let real: RolledOutVideo[];
    try {
      real = videosToBytes(videos).map((v, i) => ({ caption: rows[i]!.clip.caption, ...v }));
    } finally {
      videos.dispose();
    }
    await makeDirectory(join(out, 'samples'));
    await writeFileAtomic(
      join(out, 'samples', 'rows.txt'),
      `# columns: the real clip; the rollout from its first ${config.window} frames (then ${config.frames - config.window} predicted)\n` +
        rows.map((r, i) => `${i + 1}\t${label(r.split)}\t${r.clip.id}\t${r.clip.caption}`).join('\n') +
        '\n',
    );
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
        label: `${label(r.split)}: ${r.clip.caption}`,
        color: r.split === 'train' ? [200, 200, 200] : [255, 170, 60],
        videos: [this.real[i]!, predicted[i]!],
      })),
    );
    const name = `step-${String(step).padStart(8, '0')}.gif`;
    await writeFileAtomic(join(out, 'samples', name), gif);
    await writeFileAtomic(join(out, 'samples', 'latest.gif'), gif);
    await writeFileAtomic(join(out, 'loss.png'), lossPlotPng(metrics, PLOTTED.filter((c) => metrics.some((r) => Number.isFinite(r[c])))));
  }
}

/** Progress lines for the U-Net: step, predictor loss, MSE (and D's loss when adversarial), rate, ETA. */
export class UnetReporter {
  private readonly started = Date.now();
  private windowStart = Date.now();
  private windowSteps = 0;
  private steps = 0;
  private last: UnetStepResult | undefined;

  constructor(private readonly args: { total: number; every: number; log: (line: string) => void }) {}

  step(step: number, result: UnetStepResult): void {
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
      ...(this.last ? { finalLoss: this.last.loss, finalMse: this.last.mse, ...(this.last.dLoss !== undefined ? { finalDLoss: this.last.dLoss } : {}) } : {}),
    };
  }
}

/** `loss 0.123  mse 0.120` (+ `adv …  dLoss …` in the adversarial phase). */
export function describe(result: UnetStepResult): string {
  const parts = [`loss ${result.loss.toFixed(4)}`, `mse ${result.mse.toFixed(4)}`];
  if (result.adversarial !== undefined) parts.push(`adv ${result.adversarial.toFixed(3)}`);
  if (result.dLoss !== undefined) parts.push(`dLoss ${result.dLoss.toFixed(3)}`);
  return parts.join('  ');
}

function label(split: Split): string {
  return split === 'train' ? 'seen' : 'unseen';
}

/**
 * Per split, one clip number (write order) per distinct caption, the first clip showing it, in caption
 * order: samples then cover different captions. Read from the shard indexes (no clip bytes read).
 */
export async function clipIndicesBySplit(dataset: Dataset): Promise<Map<Split, number[]>> {
  const firstOf = new Map<Split, Map<string, number>>();
  let index = 0;
  for (const shard of dataset.meta.shards) {
    const text = await readFile(join(dataset.dir, shard.index), 'utf8');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const entry = JSON.parse(line) as Pick<ShardIndexEntry, 'split' | 'caption'>;
      const captions = firstOf.get(entry.split) ?? new Map<string, number>();
      if (!captions.has(entry.caption)) captions.set(entry.caption, index);
      firstOf.set(entry.split, captions);
      index++;
    }
  }
  const bySplit = new Map<Split, number[]>();
  for (const [split, captions] of firstOf) bySplit.set(split, [...captions.keys()].sort().map((caption) => captions.get(caption)!));
  return bySplit;
}

/** `k` items spread evenly over a list (all of it when shorter). */
export function spread<T>(items: readonly T[], k: number): T[] {
  if (items.length <= k) return [...items];
  return Array.from({ length: k }, (_, i) => items[Math.floor((i * items.length) / k)]!);
}
