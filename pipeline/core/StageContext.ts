/** What the engine hands to a stage when it opens: identity, cancellation, logging, rejects. */
export interface StageContext {
  /** The stage's id in the DAG. */
  readonly stageId: string;
  /** Aborted when the run stops (a failure elsewhere, Ctrl-C): kill child processes, stop reading. */
  readonly signal: AbortSignal;
  /** The run's folder (`outputs/<dag>/<run-id>`). */
  readonly runDir: string;
  /** Folder for relative paths in the DAG (the working directory of the run). */
  readonly cwd: string;
  /** A line in the run log (and on the console when not drawing progress bars). */
  log(message: string): void;
  /**
   * Record that an item could not be used. With `onError: skip` it goes to `rejects.jsonl` and the run
   * goes on; with `onError: fail` this throws a StageError that stops the run.
   */
  reject(item: string, reason: string): Promise<void>;
  /**
   * Progress in the stage's own units, for stages whose items do not measure it (a trainer's steps, a
   * resumed run that skips what it did before): `done` of `total`, with a short `note` (e.g. the losses)
   * shown beside the stage's progress bar or line. Rates and ETAs count from the first report.
   */
  progress(report: { done: number; total?: number; note?: string }): void;
  /** Run `cleanup` when the run ends in failure or abort (remove staging files, end children). */
  onAbort(cleanup: () => Promise<void> | void): void;
  /**
   * This stage needs no more input (a trainer reached its step count, a preview has its clips): it stops
   * reading, finishes as usual (flush, finish), and upstream stages that feed nothing else stop too.
   */
  complete(): void;
}
