import { T2vError } from '../../pipeline/errors/T2vError.ts';

/** A model or tensor file that cannot be written or read back; one line, naming the file. */
export class ModelIOError extends T2vError {
  override name = 'ModelIOError';
  readonly path: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('MODEL_IO', `${path}: ${reason}`, options);
    this.path = path;
  }
}
