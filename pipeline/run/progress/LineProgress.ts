import type { StageStats } from '../StageStats.ts';
import { etaSeconds, formatDuration, formatRate, type ProgressReporter } from './ProgressReporter.ts';

/** Plain periodic lines, for CI logs and pipes: one line per interval with every active stage. */
export class LineProgress implements ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private stats: readonly StageStats[] = [];
  private readonly reported = new Set<string>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = 10_000,
  ) {}

  start(stats: readonly StageStats[]): void {
    this.stats = stats;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  log(line: string): void {
    this.write(line);
  }

  stop(): void {
    clearInterval(this.timer);
    this.tick();
  }

  private tick(): void {
    const active = this.stats.filter((s) => s.status === 'running');
    if (active.length) this.write(`progress: ${active.map(describe).join(' | ')}`);
    for (const stat of this.stats) {
      if ((stat.status === 'done' || stat.status === 'failed') && !this.reported.has(stat.id)) {
        this.reported.add(stat.id);
        this.write(`${stat.status === 'done' ? 'finished' : 'failed'}: ${describe(stat)} in ${formatDuration(stat.elapsedMs / 1000)}`);
      }
    }
  }
}

function describe(stat: StageStats): string {
  const count = stat.total === undefined ? `${stat.done}` : `${stat.done}/${stat.total}`;
  const eta = etaSeconds(stat);
  const rejected = stat.rejected ? ` ${stat.rejected} rejected` : '';
  const note = stat.note ? ` (${stat.note})` : '';
  return `${stat.id} ${count} ${formatRate(stat.rate)}/s${eta === undefined || stat.status !== 'running' ? '' : ` eta ${formatDuration(eta)}`}${rejected}${note}`;
}
