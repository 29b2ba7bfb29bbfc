import { T2vError } from './T2vError.ts';

/** Where in a DAG file a problem is: the file, 1-based line and column, and the stage if any. */
export interface DagLocation {
  file: string;
  line?: number;
  column?: number;
  stage?: string;
}

export function formatLocation(location: DagLocation): string {
  let where = location.file;
  if (location.line !== undefined) where += `:${location.line}`;
  if (location.line !== undefined && location.column !== undefined) where += `:${location.column}`;
  return location.stage === undefined ? where : `${where} (stage "${location.stage}")`;
}

/** One problem found while reading or validating a DAG file. */
export class DagError extends T2vError {
  override name = 'DagError';
  readonly location: DagLocation;
  /** The problem without its location, for tests and tools. */
  readonly reason: string;

  constructor(location: DagLocation, reason: string) {
    super('DAG_INVALID', `${formatLocation(location)}: ${reason}`);
    this.location = location;
    this.reason = reason;
  }
}

/** Every problem validation found in a DAG, so a user fixes them in one go. */
export class DagValidationError extends T2vError {
  override name = 'DagValidationError';
  readonly errors: DagError[];

  constructor(errors: DagError[]) {
    const first = errors[0]?.message ?? 'invalid DAG';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more: ${errors.slice(1).map((e) => e.message).join('; ')})` : '';
    super('DAG_INVALID', first + more);
    this.errors = errors;
  }
}
