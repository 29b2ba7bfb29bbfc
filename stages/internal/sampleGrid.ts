/**
 * The parts of the training snapshots (tganSnapshots, unetSnapshots, stackVganSnapshots) that do not
 * depend on the model: which clips the sample grids show, their labels and colours, and the files one
 * grid writes (`samples/step-XXXXXXXX.gif`, `samples/latest.gif`, `loss.png`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clip, ClipShape, Split } from '../../datasets/clip.ts';
import type { Dataset } from '../../datasets/shards/Dataset.ts';
import type { ShardIndexEntry } from '../../datasets/shards/format.ts';
import { clipsToVideos, videosToBytes, type VideoGeometry } from '../../models/training/clipsToVideos.ts';
import type { MetricsRow } from '../../models/training/MetricsLog.ts';
import { lossPlotPng } from '../../models/training/lossPlot.ts';
import type { Rgb } from '../../media/image.ts';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';

export type Video = { frames: Uint8Array; shape: ClipShape };

/** One row of a sample grid: a fixed clip and the split it comes from. */
export interface SampleRow {
  split: Split;
  clip: Clip;
}

/** Label colours: seen (train) captions light grey, unseen (val) ones orange. */
export const SEEN_COLOR: Rgb = [200, 200, 200];
export const UNSEEN_COLOR: Rgb = [255, 170, 60];

export function splitLabel(split: Split): string {
  return split === 'train' ? 'seen' : 'unseen';
}

/** `k` clips from each of the train and val splits, each of another caption (clipIndicesBySplit). */
export async function pickSampleRows(dataset: Dataset, k: number): Promise<SampleRow[]> {
  const bySplit = await clipIndicesBySplit(dataset);
  const rows: SampleRow[] = [];
  for (const split of ['train', 'val'] as const) {
    for (const index of spread(bySplit.get(split) ?? [], k)) rows.push({ split, clip: await dataset.clip(index) });
  }
  if (rows.length === 0) throw new Error(`${dataset.dir}: no train or val clips to draw samples from`);
  return rows;
}

/** The rows' real clips as the model sees them (first `frames` frames at the model's size). */
export function realVideosOf(rows: readonly SampleRow[], geometry: VideoGeometry): Video[] {
  const videos = clipsToVideos(rows.map((r) => r.clip), geometry);
  try {
    return videosToBytes(videos);
  } finally {
    videos.dispose();
  }
}

/** `samples/rows.txt`: a `# columns: …` line, then one line per row (number, seen/unseen, clip id, caption). */
export async function writeSampleRowsList(out: string, columns: string, rows: readonly SampleRow[]): Promise<void> {
  await makeDirectory(join(out, 'samples'));
  await writeFileAtomic(
    join(out, 'samples', 'rows.txt'),
    `# columns: ${columns}\n` + rows.map((r, i) => `${i + 1}\t${splitLabel(r.split)}\t${r.clip.id}\t${r.clip.caption}`).join('\n') + '\n',
  );
}

/** The loss columns with at least one finite value so far (a phase's columns are NaN before it starts). */
export function plottedColumns(candidates: readonly string[], rows: readonly MetricsRow[]): string[] {
  return candidates.filter((c) => rows.some((r) => Number.isFinite(r[c])));
}

/** One step's grid as `samples/step-XXXXXXXX.gif` and `samples/latest.gif`, then the loss plot of `rows`. */
export async function writeSampleGrid(out: string, step: number, gif: Uint8Array, rows: readonly MetricsRow[], plotted: readonly string[]): Promise<void> {
  const name = `step-${String(step).padStart(8, '0')}.gif`;
  await writeFileAtomic(join(out, 'samples', name), gif);
  await writeFileAtomic(join(out, 'samples', 'latest.gif'), gif);
  await writeFileAtomic(join(out, 'loss.png'), lossPlotPng(rows, plotted));
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
