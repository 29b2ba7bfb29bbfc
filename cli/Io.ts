/** Where a command writes: results to `out` (stdout), messages and progress to `err` (stderr). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}
