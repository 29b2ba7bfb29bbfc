/**
 * Progress of a training run as log lines: step, losses, steps/s and ETA every `every` steps (and at
 * the last), plus a summary for the run manifest. The engine shows the lines under its progress bars on
 * a terminal and as plain lines in CI.
 */
export interface TrainingReporterArgs<Result> {
  total: number;
  every: number;
  log: (line: string) => void;
  /** A step's losses as the line shows them. */
  describe: (result: Result) => string;
  /** The summary's fields of the last step's result. */
  final: (result: Result) => Record<string, unknown>;
}

export class TrainingReporter<Result> {
  private readonly started = Date.now();
  private windowStart = Date.now();
  private windowSteps = 0;
  private last: Result | undefined;
  private steps = 0;

  constructor(private readonly args: TrainingReporterArgs<Result>) {}

  step(step: number, result: Result): void {
    this.steps++;
    this.windowSteps++;
    this.last = result;
    if (step % this.args.every !== 0 && step < this.args.total) return;
    const now = Date.now();
    const rate = this.windowSteps / Math.max(1e-3, (now - this.windowStart) / 1000);
    this.windowStart = now;
    this.windowSteps = 0;
    const eta = formatDuration((this.args.total - step) / rate);
    const width = String(this.args.total).length;
    this.args.log(
      `step ${String(step).padStart(width)}/${this.args.total}  ${this.args.describe(result)}  ${rate >= 1 ? rate.toFixed(2) + ' steps/s' : (1 / rate).toFixed(2) + ' s/step'}  ETA ${eta}`,
    );
  }

  summary(): Record<string, unknown> {
    const seconds = (Date.now() - this.started) / 1000;
    return {
      stepsThisRun: this.steps,
      seconds: Math.round(seconds * 10) / 10,
      secondsPerStep: this.steps ? Math.round((seconds / this.steps) * 1000) / 1000 : undefined,
      ...(this.last !== undefined ? this.args.final(this.last) : {}),
    };
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
