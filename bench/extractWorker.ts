/**
 * One measurement of the KTH frame-extraction benchmark, run in a fresh process so that its peak RSS
 * and its children's CPU time are its own:
 *
 *   node --import tsx bench/extractWorker.ts --mode pipeline|extract|reference|reference-picks --count N --root KTH --dir TMP
 *
 * - `pipeline`: dags/kth-prepare.yaml as shipped, `--set root=KTH out=TMP/kth size=64 frames=16`, runs
 *   under TMP/runs, progress none.
 * - `extract`: the segments readKth() yields for KTH, each through extractFrames() (uniform mode, as
 *   the DAG's fps 0), 2 at a time, the clips dropped: the per-clip product code without the engine.
 * - `reference`: for the same segments, raw ffmpeg decoding the range (trim to the range, the same
 *   scale + crop + gray for all its frames, rawvideo), 2 processes at a time, stdout on /dev/null.
 * - `reference-picks`: the same with the command line extractFrames builds (the T uniform picks
 *   selected after trim, so only they are scaled and written).
 *
 * Prints one JSON line (a WorkerResult) on stdout; anything else goes to stderr.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readKth } from '../datasets/kth/readKth.ts';
import type { VideoSegment } from '../datasets/segment.ts';
import { isReject } from '../datasets/segment.ts';
import { extractFrames, selectFrames } from '../media/extractFrames.ts';
import { ffmpegPath } from '../media/ffmpeg.ts';
import { sampleFrameIndices } from '../media/frames.ts';
import { validateDag } from '../pipeline/dag/validateDag.ts';
import { runDag } from '../pipeline/run/runDag.ts';
import { builtinStages } from '../stages/index.ts';
import { childCpuMs, CONCURRENCY, DAG_FILE, FRAMES, SIZE, WORKER_MODES, type WorkerMode, type WorkerResult } from './extractShared.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    count: { type: 'string' },
    root: { type: 'string' },
    dir: { type: 'string' },
  },
  strict: true,
});
const mode = values.mode as WorkerMode;
const count = Number(values.count);
const root = values.root ?? '';
const dir = values.dir ?? '';
if (!WORKER_MODES.includes(mode) || !Number.isInteger(count) || count < 1 || !root || !dir) {
  process.stderr.write(`usage: extractWorker.ts --mode ${WORKER_MODES.join('|')} --count N --root KTH --dir TMP\n`);
  process.exit(2);
}

const registry = builtinStages();
const overrides = [`root=${root}`, `out=${join(dir, 'kth')}`, `size=${SIZE}`, `frames=${FRAMES}`];
const dagText = await readFile(DAG_FILE, 'utf8');
// What the DAG's frames stage gets, so that the other sides do the same work. Read from the DAG itself
// so that they never drift apart.
const dag = validateDag({ text: dagText, file: DAG_FILE, registry, overrides });
const framesStage = dag.stages.find((s) => s.uses === 'extract-frames');
if (!framesStage) throw new Error(`${DAG_FILE} has no extract-frames stage`);
const frameConfig = framesStage.config as { frames: number; size: number; fps: number; channels: 1 | 3 };
if (framesStage.concurrency !== CONCURRENCY) {
  throw new Error(`${DAG_FILE}: extract-frames runs ${framesStage.concurrency} at a time; the benchmark assumes ${CONCURRENCY}`);
}
if (frameConfig.fps !== 0 || frameConfig.channels !== 1 || frameConfig.size !== SIZE || frameConfig.frames !== FRAMES) {
  throw new Error(`${DAG_FILE}: extract-frames config ${JSON.stringify(frameConfig)} is not what the reference replicates`);
}

// The segments, read before the clock starts for the sides that do not run the DAG (the pipeline reads
// them itself, inside its timing).
const segments: VideoSegment[] = [];
if (mode !== 'pipeline') {
  for await (const item of readKth({ root })) {
    if (isReject(item)) throw new Error(`fixture reject: ${item.item}: ${item.reason}`);
    segments.push(item);
  }
  if (segments.length !== count) throw new Error(`fixture ${root} has ${segments.length} segments, expected ${count}`);
}

// Diagnostics, the same for every side: time blocked in spawn() and in GC pauses.
let spawnMs = 0;
let spawns = 0;
// ChildProcess#spawn is what child_process.spawn() calls; it is not in @types/node.
const spawnable = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, ...args: unknown[]): unknown };
const originalSpawn = spawnable.spawn;
spawnable.spawn = function timedSpawn(this: ChildProcess, ...args: unknown[]) {
  const t = performance.now();
  try {
    return originalSpawn.apply(this, args);
  } finally {
    spawnMs += performance.now() - t;
    spawns++;
  }
};
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});
gcObserver.observe({ entryTypes: ['gc'] });

const childBefore = childCpuMs();
const cpuBefore = process.cpuUsage();
const started = performance.now();
const result = mode === 'pipeline' ? await pipeline() : mode === 'extract' ? await extractOnly() : await reference(mode === 'reference-picks');
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const memory = process.memoryUsage();
for (const entry of gcObserver.takeRecords()) gcMs += entry.duration;
gcObserver.disconnect();
const output: WorkerResult = {
  ...result,
  mode,
  count,
  ms,
  cpuMs: (cpu.user + cpu.system) / 1000,
  childCpuMs: childCpuMs() - childBefore,
  spawnMs,
  spawns,
  gcMs,
  maxRssKiB: process.resourceUsage().maxRSS,
  end: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external, arrayBuffers: memory.arrayBuffers },
};
process.stdout.write(JSON.stringify(output) + '\n');

type Measured = Pick<WorkerResult, 'clips' | 'decodedFrames' | 'firstClipMs' | 'stages'>;

async function pipeline(): Promise<Measured> {
  // Validation is part of the run (a CLI run does it too); re-done here inside the timing.
  const spec = validateDag({ text: dagText, file: DAG_FILE, registry, overrides });
  const run = await runDag({ dag: spec, registry, runsDir: join(dir, 'runs'), cwd: dir, progress: 'none', write: () => undefined });
  if (run.status !== 'succeeded') throw new Error(`pipeline run ${run.status}: ${String(run.error)}`);
  const stages = Object.fromEntries([...run.stats].map(([id, s]) => [id, { ms: s.elapsedMs, in: s.in, out: s.out, rejected: s.rejected }]));
  // onError: skip would quietly drop clips that failed to extract: all of them must have made it.
  const shards = run.results.get('shards') as { clips?: number } | undefined;
  if (shards?.clips !== count || Object.values(stages).some((s) => s.rejected > 0)) {
    throw new Error(`pipeline wrote ${shards?.clips} of ${count} clips; stages ${JSON.stringify(stages)}`);
  }
  // Every clip's range, from the dataset's shard indexes, to count the source frames decoded.
  const out = join(dir, 'kth');
  let decodedFrames = 0;
  let indexed = 0;
  for (const file of (await readdir(out)).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of (await readFile(join(out, file), 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      const frames = (JSON.parse(line) as { attributes?: { frames?: [number, number] } }).attributes?.frames;
      if (frames) {
        decodedFrames += frames[1] - frames[0] + 1;
        indexed++;
      }
    }
  }
  if (indexed !== count) throw new Error(`pipeline: ${indexed} of ${count} clips have frame ranges in the shard indexes of ${out}`);
  return { clips: count, decodedFrames, stages };
}

async function extractOnly(): Promise<Measured> {
  let firstClipMs: number | undefined;
  let clips = 0;
  await pool(segments, async (segment) => {
    const frames = await extractFrames({
      media: segment.media,
      range: segment.range,
      frames: frameConfig.frames,
      size: frameConfig.size,
      fps: frameConfig.fps || undefined,
      channels: frameConfig.channels,
    });
    if (frames.length !== frameConfig.frames * frameConfig.size * frameConfig.size * frameConfig.channels) {
      throw new Error(`${segment.id}: ${frames.length} bytes`);
    }
    firstClipMs ??= performance.now() - started;
    clips++;
  });
  return { clips, decodedFrames: sourceFrames(), firstClipMs };
}

/** Raw ffmpeg per clip; `picks`: only the T frames extractFrames keeps are selected (after trim) and output. */
async function reference(picks: boolean): Promise<Measured> {
  const ffmpeg = ffmpegPath();
  const { size } = frameConfig;
  let firstClipMs: number | undefined;
  let clips = 0;
  await pool(segments, async (segment) => {
    if (segment.media.kind !== 'video' || segment.range?.unit !== 'frames') throw new Error(`${segment.id}: not a frame-numbered video range`);
    const first = segment.range.start - 1;
    const frames = segment.range.end - segment.range.start + 1;
    // As media/extractFrames.ts builds it for a frame range in uniform mode (and runFfmpeg's prefix);
    // without `picks`, as it did before it selected frames inside ffmpeg.
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-i', `file:${segment.media.path}`, '-map', '0:v:0',
      '-vf', [
        `trim=start_frame=${first}:end_frame=${first + frames}`,
        ...(picks ? [selectFrames(sampleFrameIndices(frames, frameConfig.frames))] : []),
        `scale=w='max(${size},ceil(${size}*dar))':h='max(${size},ceil(${size}/dar))':flags=bicubic+accurate_rnd+full_chroma_int`,
        `crop=${size}:${size}`,
        'format=gray',
      ].join(','),
      '-frames:v', String(picks ? Math.min(frames, frameConfig.frames) : frames),
      '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1',
    ];
    await new Promise<void>((resolve, reject) => {
      // stdout is /dev/null: the decoded frames are thrown away by the kernel, not read by Node.
      const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${segment.id} exited with ${signal ?? code}`))));
    });
    firstClipMs ??= performance.now() - started;
    clips++;
  });
  return { clips, decodedFrames: sourceFrames(), firstClipMs };
}

/** Sum of the segments' range lengths. */
function sourceFrames(): number {
  return segments.reduce((sum, s) => sum + (s.range?.unit === 'frames' ? s.range.end - s.range.start + 1 : 0), 0);
}

/** `work` over `items`, CONCURRENCY at a time, in order; the first failure rejects. */
async function pool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
}
