import { opendir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Split } from '../clip.ts';
import type { ReaderItem, VideoSegment } from '../segment.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';
import { checkLimit, checkSplit, normalizeSpace, reject } from '../readers/common.ts';
import { dirExists, fileExists, requireDir, requireFile, resolveIn } from '../readers/fs.ts';
import { readLines } from '../readers/lines.ts';
import { parseHmsMs } from '../readers/time.ts';

export interface MpiiArgs {
  /** The MPII-MD / LSMDC folder. Relative paths below are resolved against it. */
  root: string;
  /** The annotation TSV (6 or 2 columns per line). */
  annotations: string;
  /** The split this annotation file is; recorded on every segment. */
  split: Split;
  /** Folder of `<movie>/<CLIP_ID>.avi` (or `.mp4`, `.mkv`); default `root`. */
  videosDir?: string;
  /** Folder of `<movie>/<CLIP_ID>/*.jpg`; default `<root>/jpgAllFrames`. */
  framesDir?: string;
  /** Frame rate of frame folders; default 25. */
  fps?: number;
  /** Stop after this many segments (rejects do not count). */
  limit?: number;
}

export const MPII_VIDEO_EXTENSIONS = ['.avi', '.mp4', '.mkv'] as const;

/** The parts of a clip id such as `0001_American_Beauty_00.00.51.926-00.00.54.129`. */
export interface MpiiClipId {
  /** `0001`. */
  movieNumber: string;
  /** `0001_American_Beauty`: the movie's folder name. */
  movie: string;
  /** Seconds into the movie. */
  start: number;
  end: number;
}

/** Parses an MPII-MD / LSMDC clip id; `undefined` when it is not `<number>_<name>_<hh.mm.ss.mmm>-<hh.mm.ss.mmm>` with start < end. */
export function parseMpiiClipId(clipId: string): MpiiClipId | undefined {
  const m = /^((\d+)_.+)_(\d+\.\d{2}\.\d{2}\.\d{1,3})-(\d+\.\d{2}\.\d{2}\.\d{1,3})$/.exec(clipId);
  if (!m) return undefined;
  const start = parseHmsMs(m[3]);
  const end = parseHmsMs(m[4]);
  if (start === undefined || end === undefined || end <= start) return undefined;
  return { movieNumber: m[2], movie: m[1], start, end };
}

const TIME_COLUMNS = ['START_ALIGNED', 'END_ALIGNED', 'START_EXTRACTED', 'END_EXTRACTED'] as const;

/**
 * Reads an MPII-MD / LSMDC annotation file, streamed line by line: 6-column lines
 * `<CLIP_ID> <START_ALIGNED> <END_ALIGNED> <START_EXTRACTED> <END_EXTRACTED> <SENTENCE>` or 2-column
 * `<CLIP_ID> <SENTENCE>` (tab separated; both may be mixed). Each line becomes a VideoSegment of the given
 * split with the sentence as its one human caption (`SOMEONE` kept) and no range (the clip file holds
 * just the clip); attributes hold the clip id's parts and, for 6-column lines, the four times in seconds.
 *
 * Media: `<videosDir>/<movie>/<CLIP_ID>.avi|.mp4|.mkv` (first found), else a frames folder
 * `<framesDir>/<movie>/<CLIP_ID>/` holding at least one `.jpg`/`.jpeg` (`kind: 'frames'` at `fps`),
 * else a ReaderReject for the clip.
 *
 * Ids: clip ids repeat in the corpus, so the n-th well-formed line with a clip id (n ≥ 2) gets the id
 * `<CLIP_ID>#<n>`, in order of appearance in this file. The count includes lines whose media is missing,
 * so ids do not depend on which media are present; lines rejected as malformed do not count.
 *
 * Rejects: `<file>:<line>` for a line with the wrong column count, a bad clip id or time (`hh.mm.ss.mmm`,
 * end before start), an empty sentence or invalid UTF-8; `<id>` for a clip without media. Blank lines
 * are skipped.
 */
export async function* readMpii(args: MpiiArgs): AsyncGenerator<ReaderItem> {
  const root = args.root;
  await requireDir(root);
  const limit = checkLimit(root, args.limit);
  checkSplit(root, args.split, false);
  if (args.split === undefined) throw new DatasetError(root, 'split is required (train, val or test: which split this annotation file is)');
  const split = args.split;
  const fps = args.fps ?? 25;
  if (!(typeof fps === 'number' && Number.isFinite(fps) && fps > 0)) throw new DatasetError(root, `fps must be a number > 0, got ${fps}`);
  if (typeof args.annotations !== 'string' || args.annotations === '') throw new DatasetError(root, 'annotations (the TSV file) is required');
  const annotations = resolveIn(root, args.annotations, '');
  await requireFile(annotations);
  const videosDir = resolveIn(root, args.videosDir, '.');
  if (args.videosDir !== undefined) await requireDir(videosDir);
  const framesDir = resolveIn(root, args.framesDir, 'jpgAllFrames');
  if (args.framesDir !== undefined) await requireDir(framesDir);

  const fileName = basename(annotations);
  const occurrences = new Map<string, number>();
  let yielded = 0;

  for await (const { number, line, error } of readLines(annotations)) {
    if (yielded >= limit) return;
    const item = `${fileName}:${number}`;
    if (error !== undefined) {
      yield reject(item, error);
      continue;
    }
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    if (cols.length !== 6 && cols.length !== 2) {
      yield reject(item, `${cols.length} tab-separated columns, expected 6 (clip, 4 times, sentence) or 2 (clip, sentence)`);
      continue;
    }
    const clipId = cols[0].trim();
    const parsed = parseMpiiClipId(clipId);
    if (parsed === undefined) {
      yield reject(item, `bad clip id '${clipId}' (expected e.g. 0001_American_Beauty_00.00.51.926-00.00.54.129)`);
      continue;
    }
    const times: Record<string, number> = {};
    let bad: string | undefined;
    if (cols.length === 6) {
      const seconds = cols.slice(1, 5).map((c) => parseHmsMs(c));
      const index = seconds.findIndex((s) => s === undefined);
      if (index >= 0) bad = `bad ${TIME_COLUMNS[index]} '${cols[index + 1].trim()}' (expected hh.mm.ss.mmm)`;
      else if (seconds[1]! < seconds[0]!) bad = `END_ALIGNED ${cols[2].trim()} is before START_ALIGNED ${cols[1].trim()}`;
      else if (seconds[3]! < seconds[2]!) bad = `END_EXTRACTED ${cols[4].trim()} is before START_EXTRACTED ${cols[3].trim()}`;
      else {
        times.alignedStart = seconds[0]!;
        times.alignedEnd = seconds[1]!;
        times.extractedStart = seconds[2]!;
        times.extractedEnd = seconds[3]!;
      }
    }
    const sentence = normalizeSpace(cols[cols.length - 1]);
    if (bad === undefined && sentence === '') bad = 'empty sentence';
    if (bad !== undefined) {
      yield reject(item, bad);
      continue;
    }

    const n = (occurrences.get(clipId) ?? 0) + 1;
    occurrences.set(clipId, n);
    const id = n === 1 ? clipId : `${clipId}#${n}`;
    const media = await findMedia(videosDir, framesDir, parsed.movie, clipId, fps);
    if (media === undefined) {
      yield reject(id, `no video ${join(videosDir, parsed.movie, `${clipId}.{avi,mp4,mkv}`)} and no frames in ${join(framesDir, parsed.movie, clipId)}/`);
      continue;
    }
    const segment: VideoSegment = {
      id,
      source: 'mpii',
      split,
      media,
      captions: [sentence],
      captionSource: 'human',
      attributes: { clipId, movieNumber: parsed.movieNumber, movie: parsed.movie, start: parsed.start, end: parsed.end, ...times },
    };
    yield segment;
    yielded++;
  }
}

async function findMedia(videosDir: string, framesDir: string, movie: string, clipId: string, fps: number): Promise<VideoSegment['media'] | undefined> {
  for (const ext of MPII_VIDEO_EXTENSIONS) {
    const path = join(videosDir, movie, `${clipId}${ext}`);
    if (await fileExists(path)) return { kind: 'video', path };
  }
  const dir = join(framesDir, movie, clipId);
  if ((await dirExists(dir)) && (await hasJpeg(dir))) return { kind: 'frames', dir, fps };
  return undefined;
}

/** Whether `dir` holds a `.jpg`/`.jpeg` file, reading entries only until the first one. */
async function hasJpeg(dir: string): Promise<boolean> {
  try {
    const handle = await opendir(dir);
    for await (const e of handle) {
      // the for-await closes the handle when we leave early
      if (!e.isDirectory() && /\.jpe?g$/i.test(e.name)) return true;
    }
  } catch {
    return false;
  }
  return false;
}
