import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import type { ClipShape } from '../datasets/clip.ts';
import { clipByteLength } from '../datasets/clip.ts';
import { writeAtomically } from '../utils/atomicFile.ts';
import { assertClipFrames, assertClipShape } from './frames.ts';

/**
 * The one place that starts ffmpeg child processes. Everything that shells out to ffmpeg goes
 * through runFfmpeg so pipe handling, cancellation and error reporting are solved once.
 */

/** ffmpeg's stderr kept for error messages; with `-loglevel error` it is tiny unless something is badly wrong. */
const STDERR_KEEP_BYTES = 64 * 1024;
const STDERR_LINES_IN_MESSAGE = 20;
/** Input is fed in slices so a large Uint8Array goes through the same backpressure path as a stream. */
const INPUT_CHUNK_BYTES = 64 * 1024;
const DEFAULT_KILL_GRACE_MS = 2000;

export class FfmpegError extends Error {
  override name = 'FfmpegError';
  /** The arguments after the ones runFfmpeg always adds. */
  readonly args: readonly string[];
  /** null when ffmpeg could not be started or was killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The tail of ffmpeg's stderr (at most 64 KiB). */
  readonly stderr: string;

  constructor(
    message: string,
    details: { args: readonly string[]; exitCode: number | null; signal?: NodeJS.Signals | null; stderr: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.args = details.args;
    this.exitCode = details.exitCode;
    this.signal = details.signal ?? null;
    this.stderr = details.stderr;
  }
}

// @ffmpeg-installer/ffmpeg is CommonJS and resolves the binary when loaded (throwing a bare string
// on unsupported platforms), so it is required lazily: a T2V_FFMPEG override then never touches it.
const require = createRequire(import.meta.url);
let installedFfmpeg: string | undefined;

/** The ffmpeg executable: $T2V_FFMPEG if set, else the static build from @ffmpeg-installer/ffmpeg. */
export function ffmpegPath(): string {
  const override = process.env.T2V_FFMPEG;
  if (override) return override;
  if (installedFfmpeg === undefined) {
    try {
      installedFfmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    } catch (error) {
      throw new Error(`no ffmpeg binary from @ffmpeg-installer/ffmpeg (${String(error)}); set T2V_FFMPEG to an ffmpeg executable`, {
        cause: error,
      });
    }
  }
  return installedFfmpeg;
}

export interface RunFfmpegOptions {
  /** Bytes for ffmpeg's stdin (use `-i pipe:0`). Without it stdin is not connected at all. */
  input?: Uint8Array | AsyncIterable<Uint8Array>;
  /** Aborting stops ffmpeg (SIGTERM, then SIGKILL after killGraceMs) and rejects with an AbortError. */
  signal?: AbortSignal;
  /** Receives ffmpeg's stdout (use `pipe:1` as output). Without it stdout is discarded. */
  onStdout?: (chunk: Buffer) => void;
  killGraceMs?: number;
}

/**
 * Run ffmpeg to completion. Resolves once the process has exited with status 0 and its pipes are
 * closed; rejects with FfmpegError (non-zero exit, failure to start), the input iterable's own
 * error, or an AbortError. It never settles while ffmpeg may still be writing output, so callers
 * can safely delete partial files afterwards.
 */
export function runFfmpeg(args: readonly string[], options: RunFfmpegOptions = {}): Promise<void> {
  const { input, signal, onStdout, killGraceMs = DEFAULT_KILL_GRACE_MS } = options;
  // -nostdin only turns off ffmpeg's interactive keyboard commands (which would otherwise swallow
  // our input bytes or stall on a terminal); reading media from pipe:0 still works with it.
  const fullArgs = ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args];

  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const child = spawn(ffmpegPath(), fullArgs, {
      stdio: [input ? 'pipe' : 'ignore', onStdout ? 'pipe' : 'ignore', 'pipe'],
      windowsHide: true,
    });

    // The first reason to fail wins; ffmpeg's exit status is only reported if nothing else went wrong.
    let failure: { reason: unknown } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const stderr = new TailBuffer(STDERR_KEEP_BYTES);

    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const stop = (reason: unknown) => {
      failure ??= { reason };
      child.stdin?.destroy();
      if (child.exitCode !== null || child.signalCode !== null || killTimer) return;
      // SIGTERM first so ffmpeg can release what it holds; SIGKILL if it does not go in time.
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
      killTimer.unref();
    };
    const onAbort = () => stop(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });

    // An unread stderr pipe fills up (64 KiB) and ffmpeg blocks on it forever: always drain it.
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (onStdout) {
      child.stdout!.on('data', (chunk: Buffer) => {
        try {
          onStdout(chunk);
        } catch (error) {
          stop(error);
        }
      });
    }

    child.on('error', (error: NodeJS.ErrnoException) => {
      const wrapped = new FfmpegError(`could not run ffmpeg (${ffmpegPath()}): ${error.message}`, {
        args,
        exitCode: null,
        stderr: stderr.text(),
        cause: error,
      });
      // No pid means it never started, and 'close' is not guaranteed to follow.
      if (child.pid === undefined) finish(wrapped);
      else stop(wrapped);
    });

    child.on('close', (code, killedBy) => {
      if (failure) return finish(failure.reason);
      if (code === 0) return finish();
      const text = stderr.text();
      const tail = text.split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-STDERR_LINES_IN_MESSAGE);
      const status = code !== null ? `exit code ${code}` : `signal ${killedBy}`;
      finish(
        new FfmpegError(`ffmpeg failed (${status})${tail.length ? `:\n  ${tail.join('\n  ')}` : ' with no stderr output'}`, {
          args,
          exitCode: code,
          signal: killedBy,
          stderr: text,
        }),
      );
    });

    if (input && child.stdin) {
      const stdin = child.stdin;
      // EPIPE / ERR_STREAM_DESTROYED just mean ffmpeg stopped reading (it exited or failed); its exit
      // status, reported on 'close', is the real error. Without a listener they would crash the process.
      stdin.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED' || error.code === 'ECONNRESET') return;
        stop(error);
      });
      // An input that throws must not let ffmpeg finish cleanly on a truncated stream: stop it.
      writeInput(stdin, input).catch(stop);
    }
  });
}

async function writeInput(stdin: Writable, input: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  const source = input instanceof Uint8Array ? slices(input, INPUT_CHUNK_BYTES) : input;
  for await (const chunk of source) {
    // Breaking out also calls the iterable's return(), so a generator source gets to clean up.
    if (stdin.destroyed || stdin.writableEnded) return;
    if (!stdin.write(chunk)) await drainedOrClosed(stdin);
  }
  if (!stdin.destroyed) stdin.end();
}

function* slices(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** 'drain' never comes once ffmpeg has gone away, so a close must release the writer too. */
function drainedOrClosed(stream: Writable): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Same shape as Node's own AbortError (name and code), carrying the signal's reason as cause. */
function abortError(signal: AbortSignal): Error {
  const error = new Error('ffmpeg was aborted', { cause: signal.reason }) as Error & { code: string };
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  return error;
}

class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

export interface Mp4Args {
  /** Default 8. */
  fps?: number;
  /** x264 constant rate factor, 0 (lossless) .. 51; default 18 (visually lossless for most content). */
  crf?: number;
  /** Integer nearest-neighbour upscaling before encoding, default 1; tiny clips are unwatchable at 1x. */
  scale?: number;
  signal?: AbortSignal;
}

/**
 * Encode a [T,H,W,C] clip (C 1 or 3) as H.264/yuv420p MP4, playable everywhere. `frames` is either
 * the whole tensor or an async stream of its bytes (any chunking; the total must match `shape`).
 * Odd sizes are padded at the right/bottom with black because 4:2:0 chroma needs even dimensions.
 * The file appears at `path` only when complete; on failure or abort nothing is left behind.
 */
export async function writeMp4(
  path: string,
  frames: Uint8Array | AsyncIterable<Uint8Array>,
  shape: ClipShape,
  options: Mp4Args = {},
): Promise<void> {
  const { fps = 8, crf = 18, scale = 1, signal } = options;
  if (frames instanceof Uint8Array) assertClipFrames(frames, shape, 'writeMp4');
  else assertClipShape(shape, 'writeMp4');
  if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`mp4 fps must be positive, got ${fps}`);
  if (!Number.isFinite(crf) || crf < 0 || crf > 51) throw new RangeError(`mp4 crf must be in 0..51, got ${crf}`);
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`mp4 scale must be a positive integer, got ${scale}`);

  const [, h, w, c] = shape;
  const scaledW = w * scale;
  const scaledH = h * scale;
  const outW = scaledW + (scaledW % 2);
  const outH = scaledH + (scaledH % 2);
  const filters: string[] = [];
  if (scale > 1) filters.push(`scale=${scaledW}:${scaledH}:flags=neighbor`);
  if (outW !== scaledW || outH !== scaledH) filters.push(`pad=${outW}:${outH}:0:0:black`);

  const argsFor = (tmp: string) => [
    '-f', 'rawvideo', '-pix_fmt', c === 1 ? 'gray' : 'rgb24', '-s', `${w}x${h}`, '-framerate', String(fps), '-i', 'pipe:0',
    ...(filters.length > 0 ? ['-vf', filters.join(',')] : []),
    '-c:v', 'libx264', '-crf', String(crf), '-pix_fmt', 'yuv420p',
    // moov atom up front so browsers can start playing before the whole file has loaded
    '-movflags', '+faststart',
    // the temporary name has no .mp4 extension for ffmpeg to guess the container from
    '-f', 'mp4', '-y', tmp,
  ];
  await writeAtomically(path, (tmp) => {
    const input = frames instanceof Uint8Array ? frames : exactLength(frames, clipByteLength(shape));
    return runFfmpeg(argsFor(tmp), { input, signal });
  });
}

/** A short stream would otherwise become a valid but shorter video, and a long one silently cut. */
async function* exactLength(source: AsyncIterable<Uint8Array>, expected: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > expected) throw new RangeError(`writeMp4: frame stream is longer than the ${expected} bytes its shape needs`);
    yield chunk;
  }
  if (seen !== expected) throw new RangeError(`writeMp4: frame stream ended after ${seen} of ${expected} bytes`);
}

export interface ReadFramesArgs {
  /** The video's frame size: frames are not rescaled, so it must match the file. */
  width: number;
  height: number;
  pixFmt?: 'rgb24' | 'gray';
  signal?: AbortSignal;
}

/** Decode every frame of the first video stream to raw [T,H,W,C] bytes (C = 3 for rgb24, 1 for gray). */
export async function readFrames(path: string, options: ReadFramesArgs): Promise<Uint8Array> {
  const { width, height, pixFmt = 'rgb24', signal } = options;
  const chunks: Buffer[] = [];
  await runFfmpeg(
    // passthrough: exactly one output frame per decoded frame, never duplicated or dropped to force a
    // constant rate (GIF delays alternate, e.g. 13/12 cs at 8 fps). rawvideo output already behaves so
    // by default; being explicit keeps the frame count independent of muxer defaults and ffmpeg version.
    ['-i', path, '-map', '0:v:0', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'],
    { signal, onStdout: (chunk) => chunks.push(chunk) },
  );
  const bytes = Buffer.concat(chunks);
  const frameBytes = width * height * (pixFmt === 'gray' ? 1 : 3);
  if (frameBytes === 0 || bytes.length % frameBytes !== 0) {
    throw new RangeError(`readFrames: decoded ${bytes.length} bytes, not a whole number of ${width}x${height} ${pixFmt} frames`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Frame size of the first video stream, read from the header of its first frame decoded as PPM. */
export async function probeVideoSize(path: string, options: { signal?: AbortSignal } = {}): Promise<{ width: number; height: number }> {
  const chunks: Buffer[] = [];
  await runFfmpeg(['-i', path, '-map', '0:v:0', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'ppm', 'pipe:1'], {
    signal: options.signal,
    onStdout: (chunk) => chunks.push(chunk),
  });
  const header = /^P6\s+(\d+)\s+(\d+)\s/.exec(Buffer.concat(chunks).subarray(0, 64).toString('latin1'));
  if (!header) throw new Error(`probeVideoSize: ffmpeg produced no frame for ${path}`);
  return { width: Number(header[1]), height: Number(header[2]) };
}
