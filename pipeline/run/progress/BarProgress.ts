import cliProgress from 'cli-progress';
import type { StageStats } from '../StageStats.ts';
import { etaSeconds, formatDuration, formatRate, type ProgressReporter } from './ProgressReporter.ts';

/** A live bar per stage (items, rate, ETA) for interactive terminals. */
export class BarProgress implements ProgressReporter {
  private readonly bars = new cliProgress.MultiBar(
    {
      format: '{stage} {bar} {count} {rate}/s eta {remaining} {note}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 8,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_grey,
  );
  private timer: NodeJS.Timeout | undefined;
  private readonly entries: Array<{ stat: StageStats; bar: cliProgress.SingleBar }> = [];

  start(stats: readonly StageStats[]): void {
    const width = Math.max(...stats.map((s) => s.id.length));
    for (const stat of stats) {
      if (stat.status === 'skipped') continue;
      const bar = this.bars.create(stat.total ?? 1, 0, this.payload(stat, width));
      this.entries.push({ stat, bar });
    }
    this.timer = setInterval(() => this.render(width), 125);
  }

  log(line: string): void {
    this.bars.log(line + '\n');
  }

  stop(): void {
    clearInterval(this.timer);
    const width = Math.max(0, ...this.entries.map((e) => e.stat.id.length));
    this.render(width);
    this.bars.stop();
  }

  private render(width: number): void {
    for (const { stat, bar } of this.entries) {
      // Unknown totals show a bar that fills as items come, against the items seen so far.
      const total = stat.total ?? Math.max(1, stat.done);
      bar.setTotal(total);
      bar.update(Math.min(stat.done, total), this.payload(stat, width));
    }
  }

  private payload(stat: StageStats, width: number) {
    const eta = etaSeconds(stat);
    return {
      stage: stat.id.padEnd(width),
      count: stat.total === undefined ? `${stat.done}` : `${stat.done}/${stat.total}`,
      rate: formatRate(stat.rate),
      remaining: stat.status === 'done' ? '0s' : eta === undefined ? '?' : formatDuration(eta),
      note: [stat.note, stat.status === 'running' ? (stat.rejected ? `${stat.rejected} rejected` : '') : stat.status].filter(Boolean).join('  '),
    };
  }
}
