import { DagValidationError, RunAbortedError, T2vError, UsageError } from '../pipeline/errors/index.ts';
import { EXIT } from './exitCodes.ts';

/**
 * Print an error the way users should see it and pick the exit code. Errors t2v raises on purpose
 * are one line (several for a DAG with several problems); anything else is a bug and keeps its stack.
 */
export function reportError(error: unknown, write: (line: string) => void): number {
  if (error instanceof DagValidationError) {
    for (const problem of error.errors) write(`t2v: ${problem.message}`);
    return EXIT.usage;
  }
  if (error instanceof UsageError) {
    write(`t2v: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof RunAbortedError) {
    write(`t2v: ${error.message}`);
    return EXIT.aborted;
  }
  if (error instanceof T2vError) {
    write(`t2v: ${error.message}`);
    return EXIT.failed;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    write(`t2v: ${(error as Error).message}`);
    return EXIT.failed;
  }
  write(`t2v: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT.failed;
}
