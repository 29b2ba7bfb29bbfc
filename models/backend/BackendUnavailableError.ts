import { T2vError } from '../../pipeline/errors/T2vError.ts';

/** The tensor backend asked for cannot run on this machine; `message` is one line saying why and what to do. */
export class BackendUnavailableError extends T2vError {
  override name = 'BackendUnavailableError';
  /** The backend that could not be used: `tensorflow`, `wasm` or `cpu`. */
  readonly backend: string;

  constructor(backend: string, reason: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', reason, options);
    this.backend = backend;
  }
}
