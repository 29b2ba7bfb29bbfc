/**
 * The root of every error t2v raises on purpose. The CLI prints `message` as one line and exits
 * non-zero; anything that is not a T2vError is a bug and keeps its stack trace.
 */
export class T2vError extends Error {
  override name = 'T2vError';
  /** A stable machine-readable code, e.g. `DAG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A command line that cannot be acted on: unknown flag, missing argument, bad `--set`. */
export class UsageError extends T2vError {
  override name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}
