import { BarProgress } from './BarProgress.ts';
import { LineProgress } from './LineProgress.ts';
import type { ProgressMode, ProgressReporter } from './ProgressReporter.ts';

class NoProgress implements ProgressReporter {
  constructor(private readonly write: (line: string) => void) {}
  start(): void {}
  log(line: string): void {
    this.write(line);
  }
  stop(): void {}
}

/** Bars on an interactive terminal, plain lines in CI or a pipe; `T2V_PROGRESS_INTERVAL` (ms) paces lines. */
export function createProgress(mode: ProgressMode, write: (line: string) => void): ProgressReporter {
  const resolved = mode === 'auto' ? (process.stderr.isTTY && !process.env.CI ? 'bars' : 'lines') : mode;
  if (resolved === 'bars') return new BarProgress();
  if (resolved === 'lines') return new LineProgress(write, Number(process.env.T2V_PROGRESS_INTERVAL) || 10_000);
  return new NoProgress(write);
}
