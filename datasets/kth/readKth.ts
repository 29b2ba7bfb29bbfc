import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Split } from '../clip.ts';
import type { ReaderItem, VideoSegment } from '../segment.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';
import { checkLimit, checkSplit, reject } from '../readers/common.ts';
import type { SplitChoice } from '../readers/common.ts';
import { requireDir, requireFile, resolveIn } from '../readers/fs.ts';
import { readLines } from '../readers/lines.ts';

export const KTH_ACTIONS = ['walking', 'jogging', 'running', 'boxing', 'handwaving', 'handclapping'] as const;
export type KthAction = (typeof KTH_ACTIONS)[number];

/** KTH's names for its four recording conditions. */
export const KTH_SCENARIOS: Readonly<Record<string, string>> = {
  d1: 'outdoors',
  d2: 'outdoors with scale variation',
  d3: 'outdoors with different clothes',
  d4: 'indoors',
};

/** Verb phrase after `person N is`. */
const ACTION_PHRASE: Readonly<Record<KthAction, string>> = {
  walking: 'walking',
  jogging: 'jogging',
  running: 'running',
  boxing: 'boxing',
  handwaving: 'waving hands',
  handclapping: 'clapping hands',
};

/** Where, as said in a caption (d2's scale variation is the camera zooming in and out). */
const SCENARIO_PHRASE: Readonly<Record<string, string>> = {
  d1: 'outdoors',
  d2: 'outdoors with the camera zooming',
  d3: 'outdoors in different clothes',
  d4: 'indoors',
};

export interface KthArgs {
  /** The KTH folder. Relative paths below are resolved against it. */
  root: string;
  /** Default `<root>/00sequences.txt`. */
  sequencesFile?: string;
  /** Folder of `<person>_<action>_<scenario>_uncomp.avi` files, also searched one level down (`walking/`, …); default `root`. */
  videosDir?: string;
  /** Actions to keep; default all six. */
  actions?: readonly string[];
  /** Which split to yield; default `all`. */
  split?: SplitChoice;
  /** Stop after this many segments (rejects do not count). */
  limit?: number;
}

/** A data line of `00sequences.txt`. */
export interface KthEntry {
  /** `person01_boxing_d1`, as written. */
  clip: string;
  person: number;
  action: KthAction;
  scenario: string;
  /** 1-based inclusive frame ranges in the order written. */
  ranges: [number, number][];
}

/**
 * The captions derived from KTH's labels: `person 4 is walking`, then the same with the scenario,
 * `person 4 is walking outdoors` (d1), `… outdoors with the camera zooming` (d2), `… outdoors in different
 * clothes` (d3), `… indoors` (d4). Hand actions read `person 4 is waving hands` / `clapping hands`.
 */
export function kthCaptions(person: number, action: KthAction, scenario: string): string[] {
  const base = `person ${person} is ${ACTION_PHRASE[action]}`;
  const where = SCENARIO_PHRASE[scenario];
  return where === undefined ? [base] : [base, `${base} ${where}`];
}

/**
 * Parses one line of `00sequences.txt`: a KthEntry for a data line (`person01_boxing_d1 frames 1-95,
 * 96-185, …`, tabs or spaces, any number of ranges, the word `frames` optional), `{ error }` for a line
 * that starts like a data line (`person<digits>`) but is not one, `undefined` for anything else (blank
 * lines, the prose at the top of the file, split headers).
 */
export function parseKthLine(text: string): KthEntry | { error: string } | undefined {
  const line = text.trim();
  if (!/^person\d/i.test(line)) return undefined;
  const m = /^(person(\d+)_([A-Za-z]+)_(d\d+))(?:\s+(.*))?$/.exec(line);
  if (!m) return { error: `expected 'person<NN>_<action>_d<N> frames <from>-<to>, …', got '${line}'` };
  const [, clip, personText, action, scenario, restText = ''] = m;
  if (!(KTH_ACTIONS as readonly string[]).includes(action)) return { error: `unknown action '${action}' in ${clip}` };
  if (KTH_SCENARIOS[scenario] === undefined) return { error: `unknown scenario '${scenario}' in ${clip} (d1 to d4)` };
  const rest = restText.replace(/^frames\b/i, '').trim();
  if (!/\d/.test(rest)) return { error: `no frame ranges for ${clip}${rest === '' ? '' : ` ('${rest}')`}` };
  const ranges: [number, number][] = [];
  for (const piece of rest.split(',')) {
    const part = piece.trim();
    if (part === '') continue;
    const r = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (!r) return { error: `bad frame range '${part}' for ${clip}${ranges.length === 0 ? ` (line says '${rest}')` : ''}` };
    const from = Number(r[1]);
    const to = Number(r[2]);
    if (from < 1 || to < from) return { error: `bad frame range '${part}' for ${clip} (frames are 1-based, from ≤ to)` };
    ranges.push([from, to]);
  }
  if (ranges.length === 0) return { error: `no frame ranges for ${clip}` };
  return { clip, person: Number(personText), action: action as KthAction, scenario, ranges };
}

/**
 * Person number → split from the `Training:`, `Validation:`, `Test:` header lines of `00sequences.txt`
 * (persons written `person11`, `11` or `01`, separated by commas and/or spaces). A DatasetError naming
 * the file and line for a bad person or a person in two splits, or when there is no header at all.
 */
export async function readKthSplits(path: string): Promise<Map<number, Split>> {
  const splits = new Map<number, Split>();
  const names: Record<string, Split> = { training: 'train', validation: 'val', test: 'test' };
  let headers = 0;
  for await (const { number, line, error } of readLines(path)) {
    const m = /^\s*(Training|Validation|Test)\s*:(.*)$/i.exec(line);
    if (!m) continue;
    if (error !== undefined) throw new DatasetError(path, error, { line: number });
    headers++;
    const split = names[m[1].toLowerCase()];
    for (const token of m[2].split(/[\s,]+/).filter(Boolean)) {
      const p = /^(?:person)?(\d+)$/i.exec(token);
      if (!p) throw new DatasetError(path, `bad person '${token}' in the ${m[1]} header (expected e.g. person11 or 11)`, { line: number });
      const person = Number(p[1]);
      const before = splits.get(person);
      if (before !== undefined && before !== split) {
        throw new DatasetError(path, `person ${person} is in both ${before} and ${split}`, { line: number });
      }
      splits.set(person, split);
    }
  }
  if (headers === 0) throw new DatasetError(path, 'no Training:/Validation:/Test: header lines, so no person has a split');
  return splits;
}

/**
 * Reads KTH: each frame range of each `00sequences.txt` data line becomes a VideoSegment (in file order;
 * ranges keep the order written and are numbered `_seq1`, `_seq2`, … in that order, even when out of
 * order) with the range as `frames` and derived captions (see `kthCaptions`). The split is the person's,
 * from the file's header lines (read in a first pass, so they may be anywhere).
 *
 * Rejects: `00sequences.txt:<line>` for a line that starts with `person<digits>` but does not parse,
 * is not valid UTF-8, or repeats a clip already listed; per sequence (`<clip>_seq<N>`) when the person is
 * in no split or the video is missing. Prose lines are skipped. Lines of other `actions` are skipped,
 * as are sequences of other splits.
 */
export async function* readKth(args: KthArgs): AsyncGenerator<ReaderItem> {
  const root = args.root;
  await requireDir(root);
  const limit = checkLimit(root, args.limit);
  checkSplit(root, args.split, true);
  const splitChoice = args.split ?? 'all';
  const actions = new Set<string>(args.actions ?? KTH_ACTIONS);
  if (actions.size === 0) throw new DatasetError(root, 'actions must list at least one action');
  for (const action of actions) {
    if (!(KTH_ACTIONS as readonly string[]).includes(action)) {
      throw new DatasetError(root, `unknown action '${action}' (KTH has ${KTH_ACTIONS.join(', ')})`);
    }
  }
  const sequencesPath = resolveIn(root, args.sequencesFile, '00sequences.txt');
  await requireFile(sequencesPath);
  const videosDir = resolveIn(root, args.videosDir, '.');
  await requireDir(videosDir);

  const splits = await readKthSplits(sequencesPath);
  const videos = await indexVideos(videosDir);
  const fileName = basename(sequencesPath);
  const seen = new Map<string, number>();
  let yielded = 0;

  for await (const { number, line, error } of readLines(sequencesPath)) {
    if (yielded >= limit) return;
    const item = `${fileName}:${number}`;
    if (error !== undefined) {
      if (/^\s*person\d/i.test(line)) yield reject(item, error);
      continue;
    }
    const entry = parseKthLine(line);
    if (entry === undefined) continue;
    if ('error' in entry) {
      yield reject(item, entry.error);
      continue;
    }
    const first = seen.get(entry.clip);
    if (first !== undefined) {
      yield reject(item, `${entry.clip} already listed on line ${first}`);
      continue;
    }
    seen.set(entry.clip, number);
    if (!actions.has(entry.action)) continue;

    const split = splits.get(entry.person);
    const video = videos.get(`${entry.clip}_uncomp.avi`) ?? videos.get(`${entry.clip}.avi`);
    for (const [i, [start, end]] of entry.ranges.entries()) {
      if (yielded >= limit) return;
      const id = `${entry.clip}_seq${i + 1}`;
      if (split === undefined) {
        yield reject(id, `person ${entry.person} is in no split (not in the Training/Validation/Test lines of ${fileName})`);
        continue;
      }
      if (splitChoice !== 'all' && split !== splitChoice) continue;
      if (video === undefined) {
        yield reject(id, `no video ${entry.clip}_uncomp.avi in ${videosDir} or its subfolders`);
        continue;
      }
      const segment: VideoSegment = {
        id,
        source: 'kth',
        split,
        media: { kind: 'video', path: video },
        range: { unit: 'frames', start, end },
        captions: kthCaptions(entry.person, entry.action, entry.scenario),
        captionSource: 'derived',
        attributes: {
          person: entry.person,
          action: entry.action,
          scenario: entry.scenario,
          scenarioName: KTH_SCENARIOS[entry.scenario],
          sequence: i + 1,
          frames: [start, end],
        },
      };
      yield segment;
      yielded++;
    }
  }
}

/** `.avi` file name → path, from `dir` and its direct subfolders (sorted); the first found wins. */
async function indexVideos(dir: string): Promise<Map<string, string>> {
  const index = new Map<string, string>();
  const entries = await readdir(dir, { withFileTypes: true });
  const subdirs: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) subdirs.push(e.name);
    else if (e.name.endsWith('.avi') && !index.has(e.name)) index.set(e.name, join(dir, e.name));
  }
  for (const sub of subdirs.sort()) {
    let inner;
    try {
      inner = await readdir(join(dir, sub), { withFileTypes: true });
    } catch {
      continue; // unreadable subfolder: its videos count as missing
    }
    for (const e of inner) {
      if (!e.isDirectory() && e.name.endsWith('.avi') && !index.has(e.name)) index.set(e.name, join(dir, sub, e.name));
    }
  }
  return index;
}
