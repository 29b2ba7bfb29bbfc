import { T2vError } from './T2vError.ts';

/** A stage failed while running: which stage, which item (if any), and why. */
export class StageError extends T2vError {
  override name = 'StageError';
  readonly stage: string;
  readonly item: string | undefined;

  constructor(stage: string, reason: string, options?: { item?: string; cause?: unknown }) {
    const about = options?.item === undefined ? '' : ` on item ${options.item}`;
    super('STAGE_FAILED', `stage "${stage}" failed${about}: ${reason}`, { cause: options?.cause });
    this.stage = stage;
    this.item = options?.item;
  }
}

/** Writing an output failed (disk full, permissions, unreadable folder): nothing half-written is left. */
export class OutputError extends T2vError {
  override name = 'OutputError';
  readonly path: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('OUTPUT_FAILED', `cannot write ${path}: ${reason}`, options);
    this.path = path;
  }
}

/** The run was stopped from outside (Ctrl-C, a signal): not a failure of any stage. */
export class RunAbortedError extends T2vError {
  override name = 'RunAbortedError';
  constructor(reason = 'run aborted') {
    super('ABORTED', reason);
  }
}

/** Message of any thrown value, one line, without a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text = error.message.split('\n')[0];
    return code && !text.includes(code) && !(error instanceof T2vError) ? `${code}: ${text}` : text;
  }
  return String(error);
}
