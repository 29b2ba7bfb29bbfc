import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Split } from '../clip.ts';
import type { ReaderItem, VideoSegment } from '../segment.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';
import { checkLimit, checkSplit, normalizeSpace, reject } from '../readers/common.ts';
import type { SplitChoice } from '../readers/common.ts';
import { readCsvRecords } from '../readers/csv.ts';
import { fileExists, requireDir, requireFile, resolveIn } from '../readers/fs.ts';
import { readLines } from '../readers/lines.ts';

export interface MsvdArgs {
  /** The MSVD folder. Relative paths below are resolved against it. */
  root: string;
  /** Captions CSV; default: the one `*.csv` file in `root` (none or several is an error). */
  captionsFile?: string;
  /** Folder of `<VideoID>_<Start>_<End>.avi` clips; default `<root>/YouTubeClips`. */
  clipsDir?: string;
  /** Values of the `Language` column to keep (compared ignoring case and surrounding space); default `['English']`. */
  languages?: string[];
  /** Which split to yield; default `all`. */
  split?: SplitChoice;
  /** Clips in train / val / test, taken in split order (see `readMsvd`); default `[1200, 100, 670]`. */
  splitCounts?: [number, number, number];
  /** Stop after this many segments (rejects do not count). */
  limit?: number;
}

/** The captions CSV header, exactly (in any order). */
export const MSVD_COLUMNS = ['VideoID', 'Start', 'End', 'WorkerID', 'Source', 'AnnotationTime', 'Language', 'Description'] as const;
export const MSVD_SPLIT_COUNTS: readonly [number, number, number] = [1200, 100, 670];
/** Optional file in `root` fixing the clip order: lines `<clip key> vid<N>`. */
export const MSVD_MAPPING_FILE = 'youtube_mapping.txt';

interface ClipCaptions {
  videoId: string;
  start: number;
  end: number;
  captions: string[];
  seen: Set<string>;
}

/**
 * Reads MSVD: the captions CSV (streamed through csv-parse), grouped per clip `<VideoID>_<Start>_<End>`,
 * joined with the clip files in `clipsDir`.
 *
 * Yields, in this order:
 * 1. while the CSV streams, a ReaderReject `<csv name>:<line>` for each unusable row (not valid UTF-8,
 *    wrong column count, bad VideoID/Start/End, empty Description; rows that are not valid UTF-8 or have
 *    the wrong column count are rejected whatever their language, the other checks apply only to rows
 *    in `languages`; rows in other languages are dropped silently);
 * 2. a ReaderReject per captioned clip without a clip file, in order of first appearance in the CSV;
 * 3. the clip files in split order: a VideoSegment per clip (captions deduplicated in CSV order, white
 *    space collapsed), or a ReaderReject when it has no captions in `languages` or no split.
 *
 * Split order: the `vid<N>` number from `<root>/youtube_mapping.txt` when that file exists (files not in
 * it are rejected), else the clip keys of all `.avi` files in `clipsDir` sorted by UTF-16 code units
 * (JavaScript's default sort; `-` sorts before digits and capitals before lower case). Position N (1-based)
 * is train for N ≤ train count, then val, then test; beyond their sum, rejected. The split therefore
 * depends only on the clip files (or the mapping), never on captions or `languages`.
 */
export async function* readMsvd(args: MsvdArgs): AsyncGenerator<ReaderItem> {
  const root = args.root;
  await requireDir(root);
  const limit = checkLimit(root, args.limit);
  checkSplit(root, args.split, true);
  const splitChoice = args.split ?? 'all';
  const languages = args.languages ?? ['English'];
  if (!Array.isArray(languages) || languages.length === 0 || languages.some((l) => typeof l !== 'string' || l.trim() === '')) {
    throw new DatasetError(root, 'languages must list at least one language, e.g. [English]');
  }
  const wanted = new Set(languages.map((l) => l.trim().toLowerCase()));
  const counts = args.splitCounts ?? MSVD_SPLIT_COUNTS;
  if (counts.length !== 3 || counts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new DatasetError(root, `splitCounts must be three whole numbers ≥ 0 (train, val, test), got ${JSON.stringify(counts)}`);
  }

  const csvPath = args.captionsFile === undefined ? await findCaptionsCsv(root) : resolveIn(root, args.captionsFile, '');
  await requireFile(csvPath);
  const clipsDir = resolveIn(root, args.clipsDir, 'YouTubeClips');
  await requireDir(clipsDir);
  const files = await listClipKeys(clipsDir);
  const mappingPath = join(root, MSVD_MAPPING_FILE);
  const mapping = (await fileExists(mappingPath)) ? await readMsvdMapping(mappingPath) : undefined;

  // 1. Captions, grouped per clip (insertion order = first appearance in the CSV).
  const csvName = basename(csvPath);
  const clips = new Map<string, ClipCaptions>();
  let column: Record<(typeof MSVD_COLUMNS)[number], number> | undefined;
  for await (const record of readCsvRecords(csvPath)) {
    if (column === undefined) {
      column = headerColumns(csvPath, record.line, record.fields, record.error);
      continue;
    }
    const item = `${csvName}:${record.line}`;
    if (record.error !== undefined) {
      yield reject(item, record.error);
      continue;
    }
    const f = record.fields;
    if (f.length === 1 && f[0].trim() === '') continue; // a line of spaces
    if (f.length !== MSVD_COLUMNS.length) {
      yield reject(item, `${f.length} columns, expected ${MSVD_COLUMNS.length}`);
      continue;
    }
    if (!wanted.has(f[column.Language].trim().toLowerCase())) continue;
    const videoId = f[column.VideoID].trim();
    const startText = f[column.Start].trim();
    const endText = f[column.End].trim();
    const description = normalizeSpace(f[column.Description]);
    if (videoId === '' || /[\s/\\]/.test(videoId)) {
      yield reject(item, `bad VideoID '${videoId}'`);
      continue;
    }
    if (!/^\d+(\.\d+)?$/.test(startText)) {
      yield reject(item, `bad Start '${startText}' (expected seconds, e.g. 5)`);
      continue;
    }
    if (!/^\d+(\.\d+)?$/.test(endText)) {
      yield reject(item, `bad End '${endText}' (expected seconds, e.g. 15)`);
      continue;
    }
    const start = Number(startText);
    const end = Number(endText);
    if (end <= start) {
      yield reject(item, `End ${endText} is not after Start ${startText}`);
      continue;
    }
    if (description === '') {
      yield reject(item, 'empty Description');
      continue;
    }
    const key = `${videoId}_${startText}_${endText}`;
    let clip = clips.get(key);
    if (clip === undefined) {
      clip = { videoId, start, end, captions: [], seen: new Set() };
      clips.set(key, clip);
    }
    if (!clip.seen.has(description)) {
      clip.seen.add(description);
      clip.captions.push(description);
    }
  }
  if (column === undefined) throw new DatasetError(csvPath, 'empty (no header line)');

  // 2. Captions without a clip file.
  for (const key of clips.keys()) {
    if (!files.has(key)) yield reject(key, `no clip file ${join(clipsDir, `${key}.avi`)} (caption without a clip)`);
  }

  // 3. Clip files in split order.
  const ordered: { key: string; position: number }[] = [];
  const sortedKeys = [...files].sort();
  if (mapping === undefined) {
    sortedKeys.forEach((key, i) => ordered.push({ key, position: i + 1 }));
  } else {
    for (const key of sortedKeys) {
      const position = mapping.get(key);
      if (position === undefined) yield reject(key, `not in ${MSVD_MAPPING_FILE}, so it has no split`);
      else ordered.push({ key, position });
    }
    ordered.sort((a, b) => a.position - b.position);
  }
  const languageList = languages.join('/');
  let yielded = 0;
  for (const { key, position } of ordered) {
    if (yielded >= limit) return;
    const split = splitOfPosition(position, counts);
    if (split === undefined) {
      yield reject(key, `position ${position} in split order is beyond splitCounts ${counts.join('+')}`);
      continue;
    }
    if (splitChoice !== 'all' && split !== splitChoice) continue;
    const clip = clips.get(key);
    if (clip === undefined) {
      yield reject(key, `no ${languageList} captions in ${csvName}`);
      continue;
    }
    const segment: VideoSegment = {
      id: key,
      source: 'msvd',
      split,
      media: { kind: 'video', path: join(clipsDir, `${key}.avi`) },
      captions: clip.captions,
      captionSource: 'human',
      attributes: { videoId: clip.videoId, start: clip.start, end: clip.end, ...(mapping ? { vid: `vid${position}` } : {}) },
    };
    yield segment;
    yielded++;
  }
}

/** The split of 1-based position `n` in split order: the first `train` are train, the next `val` val, then `test`. */
export function splitOfPosition(n: number, [train, val, test]: readonly [number, number, number]): Split | undefined {
  if (n < 1) return undefined;
  if (n <= train) return 'train';
  if (n <= train + val) return 'val';
  if (n <= train + val + test) return 'test';
  return undefined;
}

/** The one `*.csv` file in `root`; a DatasetError naming `root` when there is none or several. */
export async function findCaptionsCsv(root: string): Promise<string> {
  const entries = await readdir(root, { withFileTypes: true });
  const csvs = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.toLowerCase().endsWith('.csv')).map((e) => e.name).sort();
  if (csvs.length === 0) throw new DatasetError(root, 'no captions file (*.csv) in the folder; set captionsFile');
  if (csvs.length > 1) throw new DatasetError(root, `several CSV files (${csvs.join(', ')}); set captionsFile to the captions`);
  return join(root, csvs[0]);
}

/** `youtube_mapping.txt` as clip key → N of `vid<N>`; a DatasetError naming the file and line for a bad or repeated entry. */
export async function readMsvdMapping(path: string): Promise<Map<string, number>> {
  const byKey = new Map<string, number>();
  const byNumber = new Map<number, string>();
  for await (const { number, line, error } of readLines(path)) {
    if (error !== undefined) throw new DatasetError(path, error, { line: number });
    if (line.trim() === '') continue;
    const m = /^\s*(\S+)\s+vid(\d+)\s*$/.exec(line);
    if (!m) throw new DatasetError(path, `expected '<clip> vid<N>', got '${line.trim()}'`, { line: number });
    const key = m[1];
    const n = Number(m[2]);
    if (byKey.has(key)) throw new DatasetError(path, `${key} listed twice`, { line: number });
    if (byNumber.has(n)) throw new DatasetError(path, `vid${n} listed twice (${byNumber.get(n)} and ${key})`, { line: number });
    byKey.set(key, n);
    byNumber.set(n, key);
  }
  return byKey;
}

async function listClipKeys(dir: string): Promise<Set<string>> {
  const entries = await readdir(dir, { withFileTypes: true });
  return new Set(entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.avi')).map((e) => e.name.slice(0, -'.avi'.length)));
}

function headerColumns(path: string, line: number, fields: string[], error: string | undefined): Record<(typeof MSVD_COLUMNS)[number], number> {
  if (error !== undefined) throw new DatasetError(path, `header: ${error}`, { line });
  const names = fields.map((f) => f.trim());
  const expected: readonly string[] = MSVD_COLUMNS;
  const missing = MSVD_COLUMNS.filter((c) => !names.includes(c));
  const unexpected = names.filter((n, i) => !expected.includes(n) || names.indexOf(n) !== i);
  if (missing.length > 0 || unexpected.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
      ...(unexpected.length > 0 ? [`unexpected ${unexpected.map((n) => (n === '' ? "''" : n)).join(', ')}`] : []),
    ];
    throw new DatasetError(path, `wrong columns: ${parts.join('; ')} (expected ${MSVD_COLUMNS.join(',')})`, { line });
  }
  return Object.fromEntries(MSVD_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<(typeof MSVD_COLUMNS)[number], number>;
}
