import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoSegment } from '../datasets/segment.ts';
import { FfmpegError, runFfmpeg } from './ffmpeg.ts';
import type { RunFfmpegOptions } from './ffmpeg.ts';
import { sampleFrameIndices } from './frames.ts';

/**
 * Turn a VideoSegment's media (a video file, or a folder of frame images) into a fixed-shape
 * [T, size, size, C] uint8 clip: the range is cut out, T frames are picked (at a fixed rate from the
 * start of the range, or spread evenly over it), and each frame is resized so its short side is
 * `size` and centre-cropped to a square. Normally one ffmpeg process does all the work (run through
 * runFfmpeg); extra ones only probe the frame rate (frame-numbered range in fps mode), handle a
 * folder mixing JPEG and PNG, find which image of a folder is broken, or redo a frame range that
 * turned out to run past the end of its video (see extractFromVideo).
 *
 * Frames are written straight into the [T, size, size, C] result wherever the frame they are is known
 * in advance (a frame range in uniform mode, fps mode, frame folders); only uniform sampling over a
 * stream of unknown length (no range, or a seconds range) has to hold frames until the stream ends.
 */

export interface ExtractFramesArgs {
  media: VideoSegment['media'];
  range?: VideoSegment['range'];
  /** Frames wanted (T). */
  frames: number;
  /** Output side: frames are resized so the short side is `size`, then centre-cropped to size x size. */
  size: number;
  /** Sample at this rate from the start of the range; omit to spread T frames uniformly over the range. */
  fps?: number;
  channels: 1 | 3;
  signal?: AbortSignal;
  /**
   * Upper bound on decoded frames held in memory in uniform mode (memory guard), default 3000; at
   * least 2 x frames. A longer range is still decoded to its end, but only every 2^k-th frame is
   * kept (plus the last), so the picks are within range/maxDecodedFrames frames of exact. It does not
   * apply to a frame range that the video covers: its T frames are picked exactly inside ffmpeg and
   * only they are held.
   */
  maxDecodedFrames?: number;
}

export type ExtractFailure = 'missing' | 'corrupt' | 'too-short' | 'empty';

/** A segment whose media cannot give the clip asked for: the caller rejects that segment, not the run. */
export class ExtractError extends Error {
  override name = 'ExtractError';
  readonly reason: ExtractFailure;
  /** The video file, frames folder or frame image concerned. */
  readonly path: string;

  constructor(reason: ExtractFailure, path: string, detail: string, options?: { cause?: unknown }) {
    super(`${path}: ${detail}`, options);
    this.reason = reason;
    this.path = path;
  }
}

export const DEFAULT_MAX_DECODED_FRAMES = 3000;

const IMAGE_NAME = /\.(jpe?g|png)$/i;
/** Guards float rounding when turning times into frame indices (e.g. 0.3 * 10 = 2.9999999999999996). */
const EPSILON = 1e-9;

/** Decode a segment's media into a [T, size, size, channels] uint8 tensor (row-major). */
export async function extractFrames(args: ExtractFramesArgs): Promise<Uint8Array> {
  validate(args);
  if (args.signal?.aborted) throw abortError(args.signal);
  return args.media.kind === 'video'
    ? extractFromVideo(args.media.path, args)
    : extractFromFolder(args.media.dir, args.media.fps, args);
}

function validate(args: ExtractFramesArgs): void {
  const { frames, size, fps, channels, range, media } = args;
  const max = args.maxDecodedFrames ?? DEFAULT_MAX_DECODED_FRAMES;
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`extractFrames: frames must be a positive integer, got ${frames}`);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`extractFrames: size must be a positive integer, got ${size}`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`extractFrames: channels must be 1 or 3, got ${channels}`);
  if (fps !== undefined && !(Number.isFinite(fps) && fps > 0)) throw new RangeError(`extractFrames: fps must be positive, got ${fps}`);
  if (!Number.isInteger(max) || max < 2 * frames) {
    throw new RangeError(`extractFrames: maxDecodedFrames must be an integer of at least 2 x frames (${2 * frames}), got ${max}`);
  }
  if (media.kind === 'frames' && !(Number.isFinite(media.fps) && media.fps > 0)) {
    throw new RangeError(`extractFrames: frames folder fps must be positive, got ${media.fps}`);
  }
  if (range?.unit === 'seconds' && !(Number.isFinite(range.start) && Number.isFinite(range.end) && range.start >= 0)) {
    throw new RangeError(`extractFrames: a seconds range needs finite start >= 0 and end, got ${range.start}..${range.end}`);
  }
  if (range?.unit === 'frames' && !(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 1)) {
    throw new RangeError(`extractFrames: a frames range needs integer start >= 1 and end, got ${range.start}..${range.end}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Video files

async function extractFromVideo(path: string, args: ExtractFramesArgs): Promise<Uint8Array> {
  const { range, fps, frames: t, signal } = args;
  const frameBytes = args.size * args.size * args.channels;
  await assertFile(path);
  if (range && (range.unit === 'seconds' ? range.end <= range.start : range.end < range.start)) {
    throw new ExtractError('empty', path, `range ${describeRange(range)} is empty`);
  }
  // `file:` keeps names with a colon (or a leading dash) from being read as a protocol or an option.
  const input = ['-i', `file:${path}`, '-map', '0:v:0'];
  const tail = resizeFilters(args.size, args.channels);
  const output = rawOutput(args.channels);

  if (range?.unit === 'frames') {
    // trim counts decoded frames from 0, like select's n, but also ends the stream right after the
    // range (select would keep decoding to the end of the file).
    const first = range.start - 1;
    const count = range.end - range.start + 1;
    const trim = `trim=start_frame=${first}:end_frame=${first + count}`;
    if (fps === undefined) {
      // The range's length is known, and with it the T frames uniform sampling picks: select them
      // inside ffmpeg (select's n counts the frames trim lets through, from 0), before scaling, so
      // only they are resized and sent through the pipe, each straight into its place in the result.
      // They are the frames the full path below would pick whenever the video has all `count`
      // frames; the last pick is the range's last frame, so exactly T frames come out only then (or
      // when T is 1: frame 0 either way). Fewer mean the video ends inside the range: the full path
      // below then samples what there is, or reports 'too-short' / 'empty', exactly as it always has.
      if (count >= t) {
        const out = new Uint8Array(t * frameBytes);
        const sink = new SequenceSink(out, frameBytes);
        const filters = [trim, selectFrames(sampleFrameIndices(count, t)), ...tail];
        await decode(path, [...input, '-vf', filters.join(','), '-frames:v', String(t), ...output], sink, args);
        if (sink.count === t) return out;
      }
      const sampler = new UniformSampler(frameBytes, args.maxDecodedFrames ?? DEFAULT_MAX_DECODED_FRAMES);
      await decode(path, [...input, '-vf', [trim, ...tail].join(','), '-frames:v', String(count), ...output], sampler, args);
      return sampler.pick(t, path, describeRange(range));
    }
    // fps mode picks frames by number in JS (relative frame floor(k * rate / fps), as for frame
    // folders) rather than with the fps filter: in ffmpeg 4.1 the end-of-stream timestamp after
    // trim/select is not shifted by setpts, so the fps filter pads a short range with copies of its
    // last frame up to the original stream's end and a too-short range would go unnoticed.
    const rate = await probeFrameRate(path, signal);
    const wanted = fpsSteps(t, (k) => Math.floor((k * rate) / fps + EPSILON));
    const decodeCount = Math.min(count, wanted[t - 1] + 1);
    const out = new Uint8Array(t * frameBytes);
    const keeper = new SlotFiller(out, frameBytes, wanted);
    const filters = [`trim=start_frame=${first}:end_frame=${first + decodeCount}`, ...tail];
    await decode(path, [...input, '-vf', filters.join(','), '-frames:v', String(decodeCount), ...output], keeper, args);
    const got = keeper.count;
    if (got === 0) throw new ExtractError('empty', path, `no frames in range ${describeRange(range)}`);
    if (got <= wanted[t - 1]) {
      const available = wanted.filter((i) => i < got).length;
      throw new ExtractError(
        'too-short',
        path,
        `range ${describeRange(range)} has ${got} frames (${fmt(rate)} fps), giving ${available} frames at ${fmt(fps)} fps; ${t} needed`,
      );
    }
    return out;
  }

  // Seconds (or no) range: -ss before -i seeks to the keyframe before `start` and then decodes and
  // drops frames up to it, so the cut is frame-accurate; -t as an input option ends reading there.
  const seek =
    range?.unit === 'seconds' ? ['-ss', seconds(range.start), '-t', seconds(range.end - range.start)] : [];
  if (fps === undefined) {
    const sampler = new UniformSampler(frameBytes, args.maxDecodedFrames ?? DEFAULT_MAX_DECODED_FRAMES);
    await decode(path, [...seek, ...input, '-vf', tail.join(','), ...output], sampler, args);
    return sampler.pick(t, path, range ? describeRange(range) : 'the whole video');
  }
  // start_time=0: output frame k is the frame showing at (range start + k / fps); round=up makes that
  // "the last frame whose timestamp is <= that time" (the default, near, is up to half a step late).
  const filters = [`fps=fps=${fps}:start_time=0:round=up`, ...tail];
  const out = new Uint8Array(t * frameBytes);
  const sink = new SequenceSink(out, frameBytes);
  await decode(path, [...seek, ...input, '-vf', filters.join(','), '-frames:v', String(t), ...output], sink, args);
  const where = range ? `range ${describeRange(range)}` : 'the video';
  if (sink.count === 0) throw new ExtractError('empty', path, `no frames in ${where}`);
  if (sink.count < t) {
    throw new ExtractError('too-short', path, `${where} gives ${sink.count} frames at ${fmt(fps)} fps; ${t} needed`);
  }
  return out;
}

async function assertFile(path: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    if (isMissing(error)) throw new ExtractError('missing', path, 'video file not found', { cause: error });
    throw error;
  }
  if (info.isDirectory()) throw new ExtractError('missing', path, 'is a folder, not a video file');
}

/** The video stream's frame rate (what ffmpeg's FRAME_RATE would be), from a one-frame y4m header. */
async function probeFrameRate(path: string, signal: AbortSignal | undefined): Promise<number> {
  let header = '';
  await runOrCorrupt(
    path,
    ['-i', `file:${path}`, '-map', '0:v:0', '-frames:v', '1', '-vf', 'scale=8:8', '-pix_fmt', 'gray', '-f', 'yuv4mpegpipe', 'pipe:1'],
    {
      signal,
      onStdout: (chunk) => {
        if (header.length < 256) header += chunk.toString('latin1');
      },
    },
  );
  const match = /^YUV4MPEG2 [^\n]*?\bF(\d+):(\d+)/.exec(header);
  if (!match) throw new ExtractError('empty', path, 'no video frames');
  const rate = Number(match[1]) / Number(match[2]);
  if (!(rate > 0 && Number.isFinite(rate))) throw new ExtractError('corrupt', path, `unusable frame rate ${match[1]}:${match[2]}`);
  return rate;
}

// ---------------------------------------------------------------------------------------------
// Frame folders

async function extractFromFolder(dir: string, folderFps: number, args: ExtractFramesArgs): Promise<Uint8Array> {
  const { range, fps, frames: t, signal } = args;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) throw new ExtractError('missing', dir, 'frames folder not found', { cause: error });
    throw error;
  }
  const images = names.filter((name) => IMAGE_NAME.test(name)).sort(naturalCompare);
  if (images.length === 0) throw new ExtractError('empty', dir, 'no .jpg, .jpeg or .png frames in the folder');

  // The range as [first, end) indexes into `images`; image i shows from i / folderFps seconds.
  let first = 0;
  let end = images.length;
  if (range?.unit === 'frames') {
    first = range.start - 1;
    end = Math.min(range.end, images.length);
  } else if (range?.unit === 'seconds') {
    first = Math.ceil(range.start * folderFps - EPSILON);
    end = Math.min(Math.ceil(range.end * folderFps - EPSILON), images.length);
  }
  const count = end - first;
  const where = range ? `range ${describeRange(range)}` : 'the folder';
  if (count <= 0) throw new ExtractError('empty', dir, `${where} selects none of its ${images.length} frames`);

  let picks: number[];
  if (fps === undefined) {
    if (count < t) throw new ExtractError('too-short', dir, `${where} has ${count} frames; ${t} needed`);
    picks = sampleFrameIndices(count, t).map((i) => first + i);
  } else {
    // Frame k is the one showing at (range start + k / fps), as the fps filter does for videos.
    const start = range?.unit === 'seconds' ? range.start : first / folderFps;
    const duration = (range?.unit === 'seconds' ? Math.min(range.end, images.length / folderFps) : end / folderFps) - start;
    const all = fpsSteps(t, (k) => Math.max(first, Math.floor((start + k / fps) * folderFps + EPSILON)));
    const available = all.filter((index, k) => index < end && k / fps < duration - EPSILON).length;
    if (available < t) {
      const detail = `${where} has ${count} frames (${fmt(folderFps)} fps), giving ${available} at ${fmt(fps)} fps; ${t} needed`;
      throw new ExtractError('too-short', dir, detail);
    }
    picks = all;
  }

  // Decode only the picked files, each once; picks never decrease, so neither does `unique`.
  const unique = [...new Set(picks)];
  const files = await Promise.all(
    unique.map(async (i) => {
      const path = join(dir, images[i]);
      try {
        return { path, bytes: await readFile(path, { signal }) };
      } catch (error) {
        if (isMissing(error)) throw new ExtractError('missing', path, 'frame image not found', { cause: error });
        throw error;
      }
    }),
  );

  const frameBytes = args.size * args.size * args.channels;
  const out = new Uint8Array(t * frameBytes);
  // Where each image is in decoding order (the order of `unique`).
  const order = new Map(unique.map((index, u) => [index, u]));
  let decoded = 0;
  // One ffmpeg for all of them; image2pipe probes a single codec, so a folder mixing JPEG and PNG
  // gets one process per run of same-format images (normally just one).
  for (const run of runsByFormat(files)) {
    // Output slot k takes this run's frame i when picks[k] is the run's i-th image (-1: another run's).
    const slots = picks.map((index) => {
      const i = order.get(index)! - decoded;
      return i >= 0 && i < run.files.length ? i : -1;
    });
    const keeper = new SlotFiller(out, frameBytes, slots);
    let failure: unknown;
    try {
      const ffmpegArgs = [...imageInput(run.codec), '-vf', resizeFilters(args.size, args.channels).join(','), ...rawOutput(args.channels)];
      await decode(dir, ffmpegArgs, keeper, args, Buffer.concat(run.files.map((f) => f.bytes)));
    } catch (error) {
      if (!(error instanceof ExtractError)) throw error;
      failure = error;
    }
    // ffmpeg skips some undecodable images without failing (and when it fails it cannot say which
    // image it was on), so on any shortfall the images are tried one by one to name the bad one.
    if (failure || keeper.count !== run.files.length) {
      for (const file of run.files) {
        const problem = await imageProblem(file, run.codec, signal);
        if (problem) throw new ExtractError('corrupt', file.path, problem);
      }
      throw failure ?? new ExtractError('corrupt', dir, `ffmpeg decoded ${keeper.count} frames from ${run.files.length} images`);
    }
    decoded += run.files.length;
  }
  return out;
}

interface ImageFile {
  path: string;
  bytes: Buffer;
}

function runsByFormat(files: ImageFile[]): { codec: 'mjpeg' | 'png'; files: ImageFile[] }[] {
  const runs: { codec: 'mjpeg' | 'png'; files: ImageFile[] }[] = [];
  for (const file of files) {
    const codec = sniffImage(file.bytes);
    if (!codec) throw new ExtractError('corrupt', file.path, 'not a JPEG or PNG image');
    const last = runs[runs.length - 1];
    if (last?.codec === codec) last.files.push(file);
    else runs.push({ codec, files: [file] });
  }
  return runs;
}

/** `-xerror`: an image that does not decode fails the run instead of silently shifting the rest. */
function imageInput(codec: 'mjpeg' | 'png'): string[] {
  return ['-f', 'image2pipe', '-c:v', codec, '-i', 'pipe:0', '-map', '0:v:0', '-xerror'];
}

/** Why one image does not decode to exactly one frame, or undefined when it does. */
async function imageProblem(file: ImageFile, codec: 'mjpeg' | 'png', signal: AbortSignal | undefined): Promise<string | undefined> {
  let bytes = 0;
  try {
    await runFfmpeg([...imageInput(codec), '-vf', 'scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], {
      input: file.bytes,
      signal,
      onStdout: (chunk) => (bytes += chunk.length),
    });
  } catch (error) {
    if (!isDecodeFailure(error)) throw error;
    return `ffmpeg could not decode it: ${lastLine(error.stderr)}`;
  }
  return bytes === 1 ? undefined : `ffmpeg decoded ${bytes} frames from it, not 1`;
}

function sniffImage(bytes: Buffer): 'mjpeg' | 'png' | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'mjpeg';
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  return undefined;
}

/** Name order with digit runs compared as numbers, so `2.jpg` < `10.jpg` (zero-padded names sort as usual). */
export function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const xd = /^\d/.test(x);
    const yd = /^\d/.test(y);
    if (xd && yd) {
      const byValue = BigInt(x) < BigInt(y) ? -1 : BigInt(x) > BigInt(y) ? 1 : 0;
      if (byValue !== 0) return byValue;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Shared ffmpeg plumbing

/**
 * Resize so the short side is `size`, using the display aspect ratio (non-square pixels are
 * honoured), centre-crop to size x size, and convert to the output pixel format inside the graph
 * (so the scaler converts straight to it).
 */
function resizeFilters(size: number, channels: 1 | 3): string[] {
  return [
    // accurate_rnd+full_chroma_int: without them YUV to RGB comes out about 2 levels too dark
    `scale=w='max(${size},ceil(${size}*dar))':h='max(${size},ceil(${size}/dar))':flags=bicubic+accurate_rnd+full_chroma_int`,
    `crop=${size}:${size}`,
    `format=${pixFmt(channels)}`,
  ];
}

function rawOutput(channels: 1 | 3): string[] {
  // passthrough: one output frame per filtered frame. The rawvideo muxer otherwise defaults to
  // constant-frame-rate sync, which duplicates or drops frames to fill timestamp gaps.
  return ['-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', pixFmt(channels), 'pipe:1'];
}

function pixFmt(channels: 1 | 3): 'gray' | 'rgb24' {
  return channels === 1 ? 'gray' : 'rgb24';
}

/**
 * A select filter passing exactly the frames numbered `indices` (from 0, as they reach it), e.g.
 * `select=eq(n\,0)+eq(n\,5)`: commas escaped for the filtergraph. One term per distinct index, all
 * evaluated for every frame: cheap next to decoding it, even for T in the hundreds.
 */
export function selectFrames(indices: readonly number[]): string {
  if (indices.length === 0 || !indices.every((i) => Number.isInteger(i) && i >= 0)) {
    throw new RangeError(`selectFrames: indices must be non-negative integers, got ${indices.join(', ')}`);
  }
  return `select=${[...new Set(indices)].map((i) => `eq(n\\,${i})`).join('+')}`;
}

/**
 * Where decode() puts the frames ffmpeg writes: each frame's bytes are copied from the pipe's chunks
 * straight into the buffer target() gives for it, so a frame the caller keeps is never copied again.
 */
interface FrameSink {
  /** The frame-sized buffer to write frame `index` (from 0) into. */
  target(index: number): Uint8Array;
  /** Frame `index` is complete in `frame`, the buffer target(index) gave. */
  done(index: number, frame: Uint8Array): void;
}

async function decode(
  path: string,
  ffmpegArgs: string[],
  sink: FrameSink,
  args: ExtractFramesArgs,
  input?: Uint8Array,
): Promise<void> {
  const frameBytes = args.size * args.size * args.channels;
  let frame: Uint8Array | undefined;
  let filled = 0;
  let index = 0;
  await runOrCorrupt(
    path,
    ffmpegArgs,
    {
      input,
      signal: args.signal,
      onStdout: (chunk) => {
        for (let offset = 0; offset < chunk.length; ) {
          frame ??= sink.target(index);
          const n = Math.min(frameBytes - filled, chunk.length - offset);
          chunk.copy(frame, filled, offset, offset + n);
          filled += n;
          offset += n;
          if (filled === frameBytes) {
            sink.done(index++, frame);
            frame = undefined;
            filled = 0;
          }
        }
      },
    },
  );
}

/** Run ffmpeg; its failing (not aborts, not a missing ffmpeg binary) means the media is corrupt. */
async function runOrCorrupt(
  path: string,
  ffmpegArgs: string[],
  options: RunFfmpegOptions,
): Promise<void> {
  try {
    await runFfmpeg(ffmpegArgs, options);
  } catch (error) {
    if (isDecodeFailure(error)) {
      throw new ExtractError('corrupt', path, `ffmpeg could not decode it: ${lastLine(error.stderr)}`, { cause: error });
    }
    throw error;
  }
}

/** ffmpeg ran and failed (or crashed), as opposed to an abort or ffmpeg not starting at all. */
function isDecodeFailure(error: unknown): error is FfmpegError {
  return error instanceof FfmpegError && (error.exitCode !== null || error.signal !== null);
}

function lastLine(stderr: string): string {
  const lines = stderr.split(/\r?\n|\r/).map((line) => line.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? 'no error message';
}

/** Frame k goes to slot k of `out` (frames beyond its end are counted and dropped). */
class SequenceSink implements FrameSink {
  count = 0;
  private scratch: Uint8Array | undefined;

  constructor(
    private readonly out: Uint8Array,
    private readonly frameBytes: number,
  ) {}

  target(index: number): Uint8Array {
    const start = index * this.frameBytes;
    if (start + this.frameBytes <= this.out.length) return this.out.subarray(start, start + this.frameBytes);
    return (this.scratch ??= new Uint8Array(this.frameBytes));
  }

  done(index: number): void {
    this.count = index + 1;
  }
}

/**
 * Slot k of `out` takes frame `slots[k]` (a frame may fill several slots; -1 leaves a slot alone);
 * the other frames are counted and dropped.
 */
class SlotFiller implements FrameSink {
  count = 0;
  /** Frame index -> the first slot it fills. */
  private readonly firstSlot = new Map<number, number>();
  private scratch: Uint8Array | undefined;

  constructor(
    private readonly out: Uint8Array,
    private readonly frameBytes: number,
    private readonly slots: readonly number[],
  ) {
    slots.forEach((index, k) => {
      if (index >= 0 && !this.firstSlot.has(index)) this.firstSlot.set(index, k);
    });
  }

  target(index: number): Uint8Array {
    const k = this.firstSlot.get(index);
    if (k === undefined) return (this.scratch ??= new Uint8Array(this.frameBytes));
    return this.out.subarray(k * this.frameBytes, (k + 1) * this.frameBytes);
  }

  done(index: number): void {
    this.count = index + 1;
    const first = this.firstSlot.get(index);
    if (first === undefined) return;
    const from = first * this.frameBytes;
    for (let k = first + 1; k < this.slots.length; k++) {
      if (this.slots[k] === index) this.out.copyWithin(k * this.frameBytes, from, from + this.frameBytes);
    }
  }
}

/**
 * Keeps at most `max` frames of a stream of unknown length, evenly spaced: every stride-th frame,
 * the stride doubling (and every other kept frame dropped) whenever more than `max` are held; the
 * latest frame is always kept too, so the last frame of the range can be picked exactly. Buffers of
 * frames it lets go are handed out again for the frames that follow.
 */
class UniformSampler implements FrameSink {
  count = 0;
  private stride = 1;
  /** Kept frames in stream order: their indices (all multiples of `stride`) and buffers. */
  private keptIndex: number[] = [];
  private keptFrame: Uint8Array[] = [];
  private lastIndex = -1;
  private lastFrame: Uint8Array | undefined;
  private readonly spare: Uint8Array[] = [];

  constructor(
    private readonly frameBytes: number,
    private readonly max: number,
  ) {}

  target(): Uint8Array {
    return this.spare.pop() ?? new Uint8Array(this.frameBytes);
  }

  done(index: number, frame: Uint8Array): void {
    this.count = index + 1;
    const previous = this.lastFrame;
    // Whether the previous frame is among the kept ones (the stride has not changed since it came).
    const previousKept = this.lastIndex % this.stride === 0;
    this.lastIndex = index;
    this.lastFrame = frame;
    if (index % this.stride === 0) {
      this.keptIndex.push(index);
      this.keptFrame.push(frame);
      if (this.keptIndex.length > this.max) {
        this.stride *= 2;
        let kept = 0;
        for (let i = 0; i < this.keptIndex.length; i++) {
          if (this.keptIndex[i] % this.stride === 0) {
            this.keptIndex[kept] = this.keptIndex[i];
            this.keptFrame[kept++] = this.keptFrame[i];
          } else if (this.keptIndex[i] !== index) {
            // Dropped (the current frame is not: it is still held as the latest).
            this.spare.push(this.keptFrame[i]);
          }
        }
        this.keptIndex.length = kept;
        this.keptFrame.length = kept;
      }
    }
    // Held only as the latest frame until now: free. (A kept one dropped above was freed there.)
    if (previous && !previousKept) this.spare.push(previous);
  }

  /** T frames spread evenly over everything decoded, first and last included. */
  pick(t: number, path: string, where: string): Uint8Array {
    const n = this.count;
    if (n === 0) throw new ExtractError('empty', path, `no frames in ${where}`);
    if (n < t) throw new ExtractError('too-short', path, `${where} has ${n} frames; ${t} needed`);
    const out = new Uint8Array(t * this.frameBytes);
    sampleFrameIndices(n, t).forEach((wanted, k) => out.set(this.nearest(wanted), k * this.frameBytes));
    return out;
  }

  private nearest(index: number): Uint8Array {
    const slot = Math.min(Math.round(index / this.stride), this.keptIndex.length - 1);
    return Math.abs(this.lastIndex - index) < Math.abs(this.keptIndex[slot] - index) ? this.lastFrame! : this.keptFrame[slot];
  }
}

/** `values(k)` for k = 0 .. t-1. */
function fpsSteps(t: number, value: (k: number) => number): number[] {
  return Array.from({ length: t }, (_, k) => value(k));
}

function describeRange(range: NonNullable<VideoSegment['range']>): string {
  return range.unit === 'seconds' ? `${fmt(range.start)}s..${fmt(range.end)}s` : `frames ${range.start}..${range.end}`;
}

/** Seconds for ffmpeg's time syntax (never exponent notation). */
function seconds(value: number): string {
  return value.toFixed(6);
}

function fmt(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** Same shape as runFfmpeg's AbortError (name and code), carrying the signal's reason as cause. */
function abortError(signal: AbortSignal): Error {
  const error = new Error('frame extraction was aborted', { cause: signal.reason }) as Error & { code: string };
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  return error;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
