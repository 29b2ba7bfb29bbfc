import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KTH_ACTIONS } from '../datasets/kth/readKth.ts';
import { runFfmpeg } from '../media/ffmpeg.ts';

/** What bench/extract.bench.ts and bench/extractWorker.ts share: the sides, the result line, the KTH-like fixture. */

export const DAG_FILE = fileURLToPath(new URL('../dags/kth-prepare.yaml', import.meta.url));
export const WORKER_FILE = fileURLToPath(new URL('./extractWorker.ts', import.meta.url));

/**
 * - pipeline: dags/kth-prepare.yaml as shipped (kth-source -> annotate-captions -> extract-frames x2 ->
 *   write-shards + preview);
 * - extract: extractFrames() called directly on readKth()'s segments, 2 at a time, results dropped:
 *   the per-clip product code (runFfmpeg, frame assembly, uniform sampling) without the engine and the
 *   other stages;
 * - reference: raw ffmpeg decoding each range (trim, then scale, crop, gray for every frame of it, all
 *   sent to stdout), spawned 2 at a time with stdout on /dev/null, nothing in Node but the spawning.
 *   This was extractFrames' own command line until it learnt to pick the T frames inside ffmpeg; it
 *   stays the yardstick of the target (decoded frames/s), so figures compare across versions;
 * - reference-picks: the same, with the command line extractFrames builds now (trim, select the T
 *   picks, then scale, crop, gray: T frames out): the same ffmpeg work as the product's, so the gap
 *   to it is what Node and the engine add.
 */
export type WorkerMode = 'pipeline' | 'extract' | 'reference' | 'reference-picks';
export const WORKER_MODES: readonly WorkerMode[] = ['pipeline', 'extract', 'reference', 'reference-picks'];

/** Output side and frames per clip, as given to the DAG with --set (the DAG's defaults too). */
export const SIZE = 64;
export const FRAMES = 16;
/** Processes at a time: what the DAG's extract-frames stage ships with (checked by the worker). */
export const CONCURRENCY = 2;

/** The one JSON line a worker prints. */
export interface WorkerResult {
  mode: WorkerMode;
  count: number;
  /** Clips that came out (pipeline: written to the shards; extract: returned; references: ffmpeg runs that exited 0). */
  clips: number;
  /** Source frames the clips' ranges cover (sum of range lengths): what ffmpeg has to decode. */
  decodedFrames: number;
  /** Wall time of the measured work (pipeline: DAG validation + run; others: all clips), ms. */
  ms: number;
  /** CPU time (user + system) of the worker process itself (Node: engine, stages, spawning), ms. */
  cpuMs: number;
  /** CPU time of its finished child processes (the ffmpegs), ms, from /proc/self/stat; NaN off Linux. */
  childCpuMs: number;
  /**
   * Wall time the worker's main thread spent inside ChildProcess#spawn, ms, over `spawns` calls. Node
   * forks (libuv uses fork(), not vfork) and waits for the exec: the cost grows with the process's RSS,
   * and nothing else runs on the event loop meanwhile.
   */
  spawnMs: number;
  spawns: number;
  /** Garbage collection pauses of the main thread (PerformanceObserver 'gc' entries), ms. */
  gcMs: number;
  /** Peak resident set size of the worker process (not its ffmpegs), KiB. */
  maxRssKiB: number;
  /** process.memoryUsage() when the work was done, bytes. */
  end: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /** Time from start until the first clip was done, ms (fixed costs: model load, first spawn). */
  firstClipMs?: number;
  /** pipeline: per-stage elapsed ms and item counts. */
  stages?: Record<string, { ms: number; in: number; out: number; rejected: number }>;
}

// ---------------------------------------------------------------------------------------------------
// The fixture

/** Distinct video files; more clips reuse them through symlinks under other KTH names. */
export const FIXTURE_VIDEOS = 100;
/** Frames per fixture video (25 fps, 4 s) and the one range each clip uses, 1-based inclusive. */
export const VIDEO_FRAMES = 100;
export const RANGE: readonly [number, number] = [1, 96];
export const RANGE_FRAMES = RANGE[1] - RANGE[0] + 1;
const SCENARIOS = ['d1', 'd2', 'd3', 'd4'];

/** KTH-style names for clip i: person, action, scenario vary fastest from the right, as in KTH's own listing. */
export function clipName(i: number): string {
  const person = Math.floor(i / (KTH_ACTIONS.length * SCENARIOS.length)) + 1;
  const action = KTH_ACTIONS[Math.floor(i / SCENARIOS.length) % KTH_ACTIONS.length];
  return `person${String(person).padStart(2, '0')}_${action}_${SCENARIOS[i % SCENARIOS.length]}`;
}

/**
 * Make `FIXTURE_VIDEOS` grey 160x120 25 fps MPEG-4 AVIs (a moving testsrc2 pattern, hue-shifted per
 * video so the grey levels differ, plus a little temporal noise like a real camera's) under
 * `<dir>/videos`, two ffmpegs at a time. KTH's originals are the same: DivX (MPEG-4 part 2) in AVI,
 * 160x120, 25 fps, grey content in yuv420p.
 */
export async function makeVideos(dir: string): Promise<string[]> {
  const videos = join(dir, 'videos');
  await mkdir(videos, { recursive: true });
  const paths = Array.from({ length: FIXTURE_VIDEOS }, (_, i) => join(videos, `v${String(i).padStart(3, '0')}.avi`));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      const source = `testsrc2=size=160x120:rate=25:duration=${VIDEO_FRAMES / 25}`;
      const filters = `hue=h=${(i * 37) % 360},format=gray,noise=alls=6:allf=t:all_seed=${i + 1},format=yuv420p`;
      await runFfmpeg(['-f', 'lavfi', '-i', source, '-vf', filters, '-frames:v', String(VIDEO_FRAMES), '-c:v', 'mpeg4', '-q:v', '4', '-f', 'avi', '-y', paths[i]]);
    }
  };
  await Promise.all([worker(), worker()]);
  return paths;
}

/**
 * A KTH root for `count` clips: `00sequences.txt` (prose, the three split headers, one line per clip with
 * the one range RANGE) and one `<clip>_uncomp.avi` symlink per clip to video `i % FIXTURE_VIDEOS`.
 */
export async function makeKthRoot(root: string, videos: readonly string[], count: number): Promise<void> {
  await mkdir(root, { recursive: true });
  const persons = Math.floor((count - 1) / (KTH_ACTIONS.length * SCENARIOS.length)) + 1;
  const splits: Record<string, number[]> = { Training: [], Validation: [], Test: [] };
  for (let p = 1; p <= persons; p++) (p % 5 === 4 ? splits.Validation : p % 5 === 0 ? splits.Test : splits.Training).push(p);
  const lines = [
    'Benchmark fixture in the layout of KTH (bench/extractShared.ts): each line below is one video and its',
    'sub-sequence (a frame range); every video is a symlink to one of a few synthetic grey videos.',
    '',
    ...Object.entries(splits).map(([name, list]) => `${name}: ${list.map((p) => `person${String(p).padStart(2, '0')}`).join(', ')}`),
    '',
  ];
  for (let i = 0; i < count; i++) {
    const name = clipName(i);
    lines.push(`${name}\t\tframes\t${RANGE[0]}-${RANGE[1]}`);
    await symlink(videos[i % videos.length], join(root, `${name}_uncomp.avi`));
  }
  await writeFile(join(root, '00sequences.txt'), lines.join('\n') + '\n');
}

/** Milliseconds of CPU the process's waited-for children used (user + system), from /proc/self/stat; NaN if unreadable. */
export function childCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which is in parentheses and may contain spaces): cutime is field 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** sysconf(_SC_CLK_TCK): 100 on every Linux build Node runs on. */
const CLOCK_TICKS = 100;
