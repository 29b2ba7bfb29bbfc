import type { StageStats } from '../StageStats.ts';

/** Shows a run's progress while it runs. */
export interface ProgressReporter {
  start(stats: readonly StageStats[]): void;
  /** Print a log line without tearing progress bars. */
  log(line: string): void;
  stop(): void;
}

export type ProgressMode = 'auto' | 'bars' | 'lines' | 'none';

export function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Seconds left for a stage, from its rate, when its total is known. */
export function etaSeconds(stat: StageStats): number | undefined {
  if (stat.total === undefined || stat.rate <= 0) return undefined;
  return Math.max(0, (stat.total - stat.done) / stat.rate);
}
