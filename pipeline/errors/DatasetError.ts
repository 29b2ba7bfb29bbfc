import { T2vError } from './T2vError.ts';

/** A dataset folder or file that cannot be read as what it claims to be; names the file (and line). */
export class DatasetError extends T2vError {
  override name = 'DatasetError';
  readonly path: string;
  readonly line: number | undefined;

  constructor(path: string, reason: string, options?: { line?: number; cause?: unknown }) {
    super('DATASET_INVALID', `${path}${options?.line === undefined ? '' : `:${options.line}`}: ${reason}`, { cause: options?.cause });
    this.path = path;
    this.line = options?.line;
  }
}
