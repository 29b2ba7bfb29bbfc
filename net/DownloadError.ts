import { T2vError } from '../pipeline/errors/T2vError.ts';

export interface DownloadErrorInit {
  url: string;
  /** The final destination (not the `.part`). */
  path: string;
  /** Why, without the URL: e.g. `HTTP 404 Not Found`, `sha256 mismatch: expected …, got …`. */
  reason: string;
  /** 1-based attempt the error happened on; 0 when no request was made (e.g. an invalid URL). */
  attempt: number;
  /** HTTP status of the response that caused it, if a response was the cause. */
  status?: number;
  /** Whether another attempt could succeed (5xx, 408, 429, network errors, idle timeouts, bad data). */
  retryable?: boolean;
  /** Server-requested delay before the next attempt (from `Retry-After`), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** A file could not be downloaded. The message names the URL; `status` is set for HTTP errors. */
export class DownloadError extends T2vError {
  override name = 'DownloadError';
  readonly url: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly attempt: number;
  readonly reason: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(init: DownloadErrorInit) {
    super('DOWNLOAD_FAILED', `download of ${init.url} failed: ${init.reason}`, { cause: init.cause });
    this.url = init.url;
    this.path = init.path;
    this.status = init.status;
    this.attempt = init.attempt;
    this.reason = init.reason;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * A download stopped because its AbortSignal fired. `name` is `'AbortError'` (as for Node's own
 * aborted operations) so callers can test `error.name === 'AbortError'`; the `.part` file is kept
 * so that a later call resumes where this one stopped. `cause` is the signal's reason. An empty `url`
 * stands for a whole batch (`downloadAll`).
 */
export class DownloadAbortedError extends T2vError {
  override name = 'AbortError';
  readonly url: string;
  readonly path: string;

  constructor(url: string, path: string, options?: { cause?: unknown }) {
    super('ABORTED', url === '' ? 'downloads aborted' : `download of ${url} aborted`, options);
    this.url = url;
    this.path = path;
  }
}
