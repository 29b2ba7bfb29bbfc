/**
 * Resumable, verified HTTP downloads.
 *
 * A file is written to `<path>.part` and renamed to `<path>` only once it is complete and verified,
 * so the final name never holds a partial or corrupt file. An interrupted download (network error,
 * idle timeout, abort, crash) leaves the `.part` behind; the next attempt, or a later call, resumes it
 * with `Range: bytes=<n>-`. Two downloads to the same path in this process run one after the other;
 * separate processes writing the same path are not coordinated.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownloadAbortedError, DownloadError } from './DownloadError.ts';
import { makeDirectory } from '../utils/atomicFile.ts';

export { DownloadAbortedError, DownloadError } from './DownloadError.ts';

export interface DownloadSpec {
  url: string;
  /** Final destination. Data goes to `<path>.part` until it is complete and verified. */
  path: string;
  /** Expected size in bytes. */
  size?: number;
  /** Expected SHA-256, hex (case-insensitive). */
  sha256?: string;
  /** Expected MD5, hex (case-insensitive). */
  md5?: string;
}

export interface DownloadProgress {
  url: string;
  /** Bytes of the file on disk so far, including a resumed prefix. */
  received: number;
  /** Expected total, from the spec's size or the server's headers, when known. */
  total?: number;
}

export interface DownloadArgs {
  /** Attempts after the first one (so at most `retries + 1` attempts). Default 5. */
  retries?: number;
  /** Base of the exponential backoff between attempts, in ms. Default 500. */
  backoffMs?: number;
  /** Give up on a request (and retry) after this long without receiving a byte, in ms. Default 60000. */
  timeoutMs?: number;
  /** Stops the download; the `.part` is kept and the promise rejects with a `DownloadAbortedError` (name `AbortError`). */
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
  /** Source of jitter in [0, 1), e.g. `() => rng.float()` with a seeded `Random`. Default Math.random. */
  random?: () => number;
}

export interface DownloadResult {
  path: string;
  /** Size of the final file. */
  bytes: number;
  /** The final file includes bytes kept from an earlier attempt or an earlier run's `.part`. */
  resumed: boolean;
  /** Attempts made; 0 when skipped. */
  attempts: number;
  /** The final file already existed and matched the spec: no request was made. */
  skipped: boolean;
}

const MAX_BACKOFF_MS = 30_000;
const MAX_RETRY_AFTER_MS = 60_000;
/** Errors of the local file system: another attempt would not help. */
const LOCAL_FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'ENAMETOOLONG', 'EMFILE', 'ENFILE']);

interface Options {
  retries: number;
  backoffMs: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
  fetch: typeof fetch;
  random: () => number;
}

function options(args: DownloadArgs): Options {
  const retries = args.retries ?? 5;
  const backoffMs = args.backoffMs ?? 500;
  const timeoutMs = args.timeoutMs ?? 60_000;
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be an integer >= 0, got ${retries}`);
  if (!(backoffMs >= 0)) throw new RangeError(`backoffMs must be >= 0, got ${backoffMs}`);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  return {
    retries,
    backoffMs,
    timeoutMs,
    signal: args.signal,
    onProgress: args.onProgress,
    fetch: args.fetch ?? globalThis.fetch,
    random: args.random ?? Math.random,
  };
}

/**
 * Download one file (see the module comment). Resolves once `spec.path` holds the complete, verified
 * file. Rejects with a `DownloadError` (HTTP 4xx other than 408/429 at once; anything else after the
 * retries are used up) or a `DownloadAbortedError` when `signal` fires.
 *
 * An existing final file that matches `size` and the checksums is kept (`skipped`, no request); with
 * none of them given an existing final file is trusted as is. One that does not match is downloaded
 * again and replaced.
 */
export async function downloadFile(spec: DownloadSpec, args: DownloadArgs = {}): Promise<DownloadResult> {
  const o = options(args);
  checkSpec(spec);
  if (o.signal?.aborted) throw new DownloadAbortedError(spec.url, spec.path, { cause: o.signal.reason });
  try {
    return await withPathLock(resolve(spec.path), () => download(spec, o));
  } catch (error) {
    // e.g. Node's own AbortError from hashing an existing file when the signal fires
    if (o.signal?.aborted && !(error instanceof DownloadAbortedError)) throw new DownloadAbortedError(spec.url, spec.path, { cause: o.signal.reason });
    throw error;
  }
}

function checkSpec(spec: DownloadSpec): void {
  const fail = (reason: string) => new DownloadError({ url: spec.url, path: spec.path, reason, attempt: 0 });
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw fail('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(`unsupported protocol ${url.protocol}`);
  if (!spec.path) throw fail('no destination path');
  if (spec.size !== undefined && !(Number.isSafeInteger(spec.size) && spec.size >= 0)) throw fail(`invalid size ${spec.size}`);
  if (spec.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(spec.sha256)) throw fail(`invalid sha256 "${spec.sha256}"`);
  if (spec.md5 !== undefined && !/^[0-9a-f]{32}$/i.test(spec.md5)) throw fail(`invalid md5 "${spec.md5}"`);
}

const pathLocks = new Map<string, Promise<void>>();

/** Run `fn` once every earlier call for the same key has finished. */
async function withPathLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = pathLocks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
  pathLocks.set(key, mine);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (pathLocks.get(key) === mine) pathLocks.delete(key);
  }
}

async function download(spec: DownloadSpec, o: Options): Promise<DownloadResult> {
  const part = `${spec.path}.part`;
  await makeDirectory(dirname(spec.path));

  const existing = await fileSize(spec.path);
  if (existing !== undefined && (await matches(spec, spec.path, existing, o.signal))) {
    return { path: spec.path, bytes: existing, resumed: false, attempts: 0, skipped: true };
  }

  const maxAttempts = o.retries + 1;
  let last: DownloadError | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (o.signal?.aborted) throw new DownloadAbortedError(spec.url, spec.path, { cause: o.signal.reason });
    try {
      const { bytes, resumed } = await attemptOnce(spec, part, attempt, o);
      return { path: spec.path, bytes, resumed, attempts: attempt, skipped: false };
    } catch (error) {
      if (o.signal?.aborted) throw new DownloadAbortedError(spec.url, spec.path, { cause: o.signal.reason });
      if (!(error instanceof DownloadError)) throw error;
      if (!error.retryable) throw error;
      last = error;
      if (attempt < maxAttempts) {
        const base = Math.min(MAX_BACKOFF_MS, o.backoffMs * 2 ** (attempt - 1));
        let delay = base / 2 + (base / 2) * o.random();
        if (error.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS));
        try {
          await sleep(delay, undefined, { signal: o.signal });
        } catch {
          throw new DownloadAbortedError(spec.url, spec.path, { cause: o.signal?.reason });
        }
      }
    }
  }
  throw new DownloadError({
    url: spec.url,
    path: spec.path,
    reason: `gave up after ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'}: ${last!.reason}`,
    attempt: maxAttempts,
    status: last!.status,
    cause: last,
  });
}

/**
 * One request. Resolves once the final file is in place; throws a DownloadError whose `retryable`
 * says whether another attempt makes sense (any other error is a bug or comes from `onProgress`).
 */
async function attemptOnce(spec: DownloadSpec, part: string, attempt: number, o: Options): Promise<{ bytes: number; resumed: boolean }> {
  const fail = (reason: string, more: Partial<Pick<DownloadError, 'status' | 'retryable' | 'retryAfterMs'>> & { cause?: unknown } = {}) =>
    new DownloadError({ url: spec.url, path: spec.path, reason, attempt, retryable: true, ...more });

  let offset = (await fileSize(part)) ?? 0;
  if (spec.size !== undefined && offset > spec.size) {
    await rm(part, { force: true });
    offset = 0;
  }
  // A `.part` of the full expected size (a run that stopped before the rename): verify it, no request.
  if (spec.size !== undefined && offset === spec.size && offset > 0) {
    return { bytes: await finish(spec, part, spec.size, fail, o.signal), resumed: true };
  }

  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no data for ${o.timeoutMs} ms`));
    }, o.timeoutMs);
  };
  const onAbort = () => controller.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let response: Response | undefined;
  let body: Readable | undefined;
  let progressError: { error: unknown } | undefined;

  try {
    arm();
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    response = await o.fetch(spec.url, { headers, signal: controller.signal, redirect: 'follow' });
    arm();
    const { status } = response;
    const statusText = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`;

    let append: boolean;
    let total: number | undefined;
    if (status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range?.start !== offset) {
        await rm(part, { force: true });
        throw fail(`asked for bytes from ${offset}, server answered 206 with Content-Range "${response.headers.get('content-range') ?? ''}"; starting over`, { status });
      }
      append = offset > 0;
      total = range.total;
    } else if (status === 200) {
      // Range ignored (or not sent): the body is the whole file, so start the `.part` over.
      append = false;
      const encoding = response.headers.get('content-encoding');
      const length = response.headers.get('content-length');
      if ((encoding === null || encoding === 'identity') && length !== null && /^\d+$/.test(length)) total = Number(length);
    } else if (status === 416 && offset > 0) {
      const range = parseContentRange(response.headers.get('content-range'));
      const complete = spec.size !== undefined ? offset === spec.size : range?.total === offset;
      if (complete) return { bytes: await finish(spec, part, offset, fail, o.signal), resumed: true };
      await rm(part, { force: true });
      throw fail(`server cannot serve bytes from ${offset} (416); starting over`, { status });
    } else {
      const retryable = status >= 500 || status === 408 || status === 429;
      throw fail(statusText, { status, retryable, retryAfterMs: retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined });
    }

    if (spec.size !== undefined && total !== undefined && total !== spec.size) {
      await rm(part, { force: true });
      throw fail(`server reports ${total} bytes, expected ${spec.size}`, { status });
    }
    const expected = spec.size ?? total;

    // The body is read through a generator that turns a read error (network, idle timeout, abort) into
    // a normal end of stream, so the file stream still writes out every byte received before it; the
    // error is rethrown once the `.part` is closed. The idle timer runs only while waiting for the
    // network, not while the disk is applying backpressure.
    let received = append ? offset : 0;
    let readError: { error: unknown } | undefined;
    const source = response.body === null ? undefined : Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    body = source;
    const onProgress = o.onProgress;
    async function* chunks(): AsyncGenerator<Buffer> {
      if (source === undefined) return;
      const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      try {
        while (true) {
          arm();
          let next: IteratorResult<Buffer>;
          try {
            next = await iterator.next();
          } catch (error) {
            readError = { error };
            return;
          } finally {
            clearTimeout(timer);
          }
          if (next.done) return;
          received += next.value.length;
          if (onProgress) {
            try {
              onProgress({ url: spec.url, received, total: expected });
            } catch (error) {
              progressError = { error };
              throw error;
            }
          }
          yield next.value;
        }
      } finally {
        source.destroy();
      }
    }
    await pipeline(chunks(), createWriteStream(part, { flags: append ? 'a' : 'w' }));
    if (readError) throw readError.error;
    clearTimeout(timer);
    return { bytes: await finish(spec, part, expected, fail, o.signal), resumed: append };
  } catch (error) {
    if (progressError) throw progressError.error;
    if (error instanceof DownloadError || o.signal?.aborted) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && LOCAL_FS_CODES.has(code) && (error as NodeJS.ErrnoException).syscall !== undefined) {
      throw fail(`cannot write ${part}: ${(error as Error).message}`, { retryable: false, cause: error });
    }
    if (timedOut) throw fail(`no data received for ${o.timeoutMs} ms`, { status: response?.status, cause: error });
    throw fail(`network error: ${networkMessage(error)}`, { status: response?.status, cause: error });
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    // Release the connection when the body was not (fully) read.
    if (body) body.destroy();
    else if (response?.body && !response.bodyUsed) await response.body.cancel().catch(() => undefined);
  }
}

/**
 * Check the complete `.part` (size, then checksums over the whole file) and rename it into place.
 * A short file is kept for a resume; a long one or a checksum mismatch deletes it.
 */
async function finish(
  spec: DownloadSpec,
  part: string,
  expected: number | undefined,
  fail: (reason: string, more?: { retryable?: boolean; cause?: unknown }) => DownloadError,
  signal: AbortSignal | undefined,
): Promise<number> {
  const size = (await fileSize(part)) ?? 0;
  if (expected !== undefined && size < expected) throw fail(`got ${size} of ${expected} bytes`);
  if (expected !== undefined && size > expected) {
    await rm(part, { force: true });
    throw fail(`got ${size} bytes, expected ${expected}; starting over`);
  }
  const mismatch = await checksumMismatch(spec, part, signal);
  if (mismatch !== undefined) {
    await rm(part, { force: true });
    throw fail(mismatch);
  }
  const handle = await open(part, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(part, spec.path);
  return size;
}

/** Whether an existing file has the spec's size and checksums. */
async function matches(spec: DownloadSpec, path: string, size: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (spec.size !== undefined && size !== spec.size) return false;
  return (await checksumMismatch(spec, path, signal)) === undefined;
}

/** A description of the first checksum that does not match, or undefined when all given ones do. */
async function checksumMismatch(spec: DownloadSpec, path: string, signal: AbortSignal | undefined): Promise<string | undefined> {
  const wanted: [string, string, Hash][] = [];
  if (spec.sha256 !== undefined) wanted.push(['sha256', spec.sha256.toLowerCase(), createHash('sha256')]);
  if (spec.md5 !== undefined) wanted.push(['md5', spec.md5.toLowerCase(), createHash('md5')]);
  if (wanted.length === 0) return undefined;
  for await (const chunk of createReadStream(path, { signal })) {
    for (const [, , hash] of wanted) hash.update(chunk as Buffer);
  }
  for (const [algorithm, expected, hash] of wanted) {
    const actual = hash.digest('hex');
    if (actual !== expected) return `${algorithm} mismatch: expected ${expected}, got ${actual}`;
  }
  return undefined;
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Parse `bytes <start>-<end>/<total>` (total may be `*`) or the unsatisfied form `bytes *\/<total>`. */
export function parseContentRange(header: string | null): { start?: number; end?: number; total?: number } | undefined {
  if (header === null) return undefined;
  const full = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim());
  if (full) {
    const start = Number(full[1]);
    const end = Number(full[2]);
    const total = full[3] === '*' ? undefined : Number(full[3]);
    if (end < start || (total !== undefined && end >= total)) return undefined;
    return { start, end, total };
  }
  const unsatisfied = /^bytes\s+\*\/(\d+)$/i.exec(header.trim());
  return unsatisfied ? { total: Number(unsatisfied[1]) } : undefined;
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** undici reports `TypeError: fetch failed` with the real reason in `cause`. */
function networkMessage(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(code && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}

// ---------------------------------------------------------------------------------------------------

export interface DownloadAllArgs extends DownloadArgs {
  /** Downloads in flight at once. Default 4. */
  concurrency?: number;
}

export type DownloadOutcome =
  | { ok: true; index: number; spec: DownloadSpec; result: DownloadResult }
  | { ok: false; index: number; spec: DownloadSpec; error: Error };

/**
 * Download many files, at most `concurrency` at a time, pulling specs from `specs` only when a slot is
 * free (so an endless or lazy source is fine). Outcomes are yielded in **completion order**; `index`
 * is the spec's position in the input, for callers that need input order. A failed download is
 * yielded as `{ ok: false, error }` and the others go on.
 *
 * Specs with the same `path` never run at the same time (the later one waits, then usually finds the
 * file done and skips); keep paths unique anyway, as the waiting one holds a slot.
 *
 * When `signal` fires, the downloads in flight stop (keeping their `.part` files) and the generator
 * throws a `DownloadAbortedError`. Leaving the loop early (`break`) also stops the downloads in flight
 * and waits for them to wind down. An error from the source is rethrown after the same clean-up.
 */
export async function* downloadAll(
  specs: AsyncIterable<DownloadSpec> | Iterable<DownloadSpec>,
  args: DownloadAllArgs = {},
): AsyncGenerator<DownloadOutcome, void, undefined> {
  const { concurrency = 4, ...rest } = args;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  options(rest); // validate before starting anything

  const controller = new AbortController();
  const onAbort = () => controller.abort(args.signal?.reason);
  if (args.signal?.aborted) onAbort();
  args.signal?.addEventListener('abort', onAbort, { once: true });
  const fileArgs: DownloadArgs = { ...rest, signal: controller.signal };

  const iterator: AsyncIterator<DownloadSpec> | Iterator<DownloadSpec> =
    Symbol.asyncIterator in Object(specs)
      ? (specs as AsyncIterable<DownloadSpec>)[Symbol.asyncIterator]()
      : (specs as Iterable<DownloadSpec>)[Symbol.iterator]();
  type Settled = { kind: 'done'; outcome: DownloadOutcome } | { kind: 'next'; next: IteratorResult<DownloadSpec> };
  const running = new Map<number, Promise<Settled>>();
  let pulling: Promise<Settled> | undefined;
  let exhausted = false;
  let index = 0;

  try {
    while (true) {
      if (!exhausted && !pulling && running.size < concurrency && !controller.signal.aborted) {
        pulling = Promise.resolve(iterator.next()).then((next) => ({ kind: 'next' as const, next }));
      }
      if (!pulling && running.size === 0) break;
      const settled = await Promise.race([...running.values(), ...(pulling ? [pulling] : [])]);
      if (settled.kind === 'next') {
        pulling = undefined;
        if (settled.next.done) {
          exhausted = true;
          continue;
        }
        const i = index++;
        const spec = settled.next.value;
        running.set(
          i,
          downloadFile(spec, fileArgs).then(
            (result): Settled => ({ kind: 'done', outcome: { ok: true, index: i, spec, result } }),
            (error: unknown): Settled => ({
              kind: 'done',
              outcome: { ok: false, index: i, spec, error: error instanceof Error ? error : new Error(String(error)) },
            }),
          ),
        );
        continue;
      }
      running.delete(settled.outcome.index);
      if (args.signal?.aborted) throw new DownloadAbortedError(settled.outcome.spec.url, settled.outcome.spec.path, { cause: args.signal.reason });
      yield settled.outcome;
    }
    if (args.signal?.aborted) throw new DownloadAbortedError('', '', { cause: args.signal.reason });
  } finally {
    args.signal?.removeEventListener('abort', onAbort);
    if (running.size > 0) {
      controller.abort(new Error('downloadAll stopped'));
      await Promise.allSettled(running.values());
    }
    if (pulling) await pulling.catch(() => undefined);
    if (!exhausted) await Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
