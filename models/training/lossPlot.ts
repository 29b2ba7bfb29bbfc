/** The loss plot of a training run (its sample grid is media/captionedGifGrid.ts). */
import { renderLinePlot } from '../../media/linePlot.ts';
import { encodePng } from '../../media/png.ts';
import type { MetricsRow } from './MetricsLog.ts';

/**
 * PNG of the chosen columns against step, each smoothed by a running mean over `window` steps (GAN
 * losses are noisy step to step; the trend is what a person looks for).
 */
export function lossPlotPng(rows: readonly MetricsRow[], columns: readonly string[], options: { title?: string; window?: number } = {}): Buffer {
  const window = Math.max(1, options.window ?? Math.ceil(rows.length / 100));
  const series = columns.map((name) => {
    const points: [number, number][] = [];
    let sum = 0;
    const recent: number[] = [];
    for (const row of rows) {
      const v = row[name];
      if (v === undefined || !Number.isFinite(v)) continue;
      recent.push(v);
      sum += v;
      if (recent.length > window) sum -= recent.shift()!;
      points.push([row['step']!, sum / recent.length]);
    }
    return { name, points };
  });
  return encodePng(renderLinePlot(series, { title: options.title ?? 'losses', xLabel: 'step', width: 720, height: 400 }));
}
