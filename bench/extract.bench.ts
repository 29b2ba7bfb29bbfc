import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixed, median, runNodeWorker, type Benchmark, type BenchOptions, type BenchReport } from './lib.ts';
import {
  CONCURRENCY,
  FIXTURE_VIDEOS,
  FRAMES,
  makeKthRoot,
  makeVideos,
  RANGE,
  SIZE,
  WORKER_FILE,
  WORKER_MODES,
  type WorkerMode,
  type WorkerResult,
} from './extractShared.ts';

/**
 * Frame extraction from real video files: dags/kth-prepare.yaml as shipped (size 64, 16 frames, uniform
 * sampling, extract-frames 2 at a time) on a KTH-like fixture the benchmark makes itself, against raw
 * ffmpeg running the same command lines 2 at a time with nothing around them. Throughput is counted in
 * source frames decoded per second (clips x range length): that is the work both sides share; the
 * pipeline keeps 16 of them per clip. Every measurement is a fresh process (bench/extractWorker.ts).
 *
 * A third side, `extract` (extractFrames() called directly, 2 at a time, no engine), splits the gap into
 * what the per-clip product code costs (runFfmpeg, reading the frames, sampling) and what the engine and
 * the DAG's other stages (annotate-captions, write-shards, preview) add.
 *
 * The target's raw ffmpeg scales and writes every frame of the range (extractFrames' command line until
 * it picked the T frames inside ffmpeg); a fourth side, `reference-picks`, runs the command line it builds
 * now (only the T picks scaled and written), so "vs ffmpeg, T picks" is the product against the very same
 * ffmpeg work: what Node and the engine cost.
 *
 * Targets: pipeline / raw ffmpeg >= 0.90 in decoded frames/s; flat peak RSS from the small to the large
 * count (as in the prepare benchmark: <= 1.10).
 */

const RATIO_TARGET = 0.9;
const RSS_TARGET = 1.1;
const NAME = 'kth-extract';
const LABEL: Record<WorkerMode, string> = {
  pipeline: 'pipeline',
  extract: 'extractFrames alone',
  reference: 'raw ffmpeg',
  'reference-picks': 'raw ffmpeg, T picks',
};

interface Summary {
  mode: WorkerMode;
  count: number;
  runs: number;
  /** Medians over the runs. */
  ms: number;
  cpuMs: number;
  childCpuMs: number;
  clipsPerSecond: number;
  decodedFramesPerSecond: number;
  outputFramesPerSecond: number;
  maxRssMiB: number;
  /** Main thread blocked in spawn(), and in GC pauses, per clip (ms). */
  spawnMsPerClip: number;
  gcMsPerClip: number;
  all: WorkerResult[];
}

export default {
  name: NAME,
  async run({ quick, log }: BenchOptions): Promise<BenchReport> {
    const counts = quick ? [50, 200] : [100, 1_000];
    const repeats = quick ? 1 : 3;
    const modes = WORKER_MODES;
    const results = new Map<string, WorkerResult[]>();
    const key = (mode: WorkerMode, count: number) => `${mode}:${count}`;

    const fixture = await mkdtemp(join(tmpdir(), 't2v-bench-kth-'));
    try {
      const t0 = performance.now();
      const videos = await makeVideos(fixture);
      const roots = new Map<number, string>();
      for (const count of counts) {
        roots.set(count, join(fixture, `kth-${count}`));
        await makeKthRoot(roots.get(count)!, videos, count);
      }
      const fixtureSeconds = (performance.now() - t0) / 1000;
      log(`  fixture: ${FIXTURE_VIDEOS} grey 160x120 25 fps MPEG-4 AVIs, range ${RANGE[0]}-${RANGE[1]} per clip, ` +
        `KTH roots for ${counts.join(' and ')} clips in ${fixed(fixtureSeconds, 1)} s (${fixture})`);

      for (let rep = 0; rep < repeats; rep++) {
        for (const count of counts) {
          // Alternate which goes first so a slow patch of the machine does not always hit the same side.
          for (const mode of rep % 2 ? [...modes].reverse() : modes) {
            const result = await measure(mode, count, roots.get(count)!);
            log(`  ${mode.padEnd(9)} ${String(count).padStart(5)} clips, run ${rep + 1}/${repeats}: ${fixed(result.ms)} ms, ` +
              `${fixed(result.decodedFrames / (result.ms / 1000))} decoded frames/s, CPU node ${fixed(result.cpuMs)} + ffmpeg ${fixed(result.childCpuMs)} ms, ` +
              `peak RSS ${fixed(result.maxRssKiB / 1024)} MiB`);
            const list = results.get(key(mode, count)) ?? [];
            list.push(result);
            results.set(key(mode, count), list);
          }
        }
      }

      const summaries = new Map<string, Summary>();
      for (const count of counts) {
        for (const mode of modes) {
          const all = results.get(key(mode, count))!;
          for (const r of all) {
            if (r.clips !== count || r.decodedFrames !== all[0].decodedFrames) throw new Error(`${mode} ${count}: ${r.clips} clips, ${r.decodedFrames} decoded frames`);
          }
          const ms = median(all.map((r) => r.ms));
          summaries.set(key(mode, count), {
            mode,
            count,
            runs: all.length,
            ms,
            cpuMs: median(all.map((r) => r.cpuMs)),
            childCpuMs: median(all.map((r) => r.childCpuMs)),
            clipsPerSecond: count / (ms / 1000),
            decodedFramesPerSecond: all[0].decodedFrames / (ms / 1000),
            outputFramesPerSecond: (count * FRAMES) / (ms / 1000),
            maxRssMiB: median(all.map((r) => r.maxRssKiB)) / 1024,
            spawnMsPerClip: median(all.map((r) => r.spawnMs / r.spawns)),
            gcMsPerClip: median(all.map((r) => r.gcMs)) / count,
            all,
          });
        }
        const decoded = new Set(modes.map((m) => summaries.get(key(m, count))!.all[0].decodedFrames));
        if (decoded.size !== 1) throw new Error(`${count} clips: the sides decoded different frame counts (${[...decoded].join(', ')})`);
      }

      const [small, large] = counts;
      const sizeLabel = `${large}/${small}`;
      const get = (mode: WorkerMode, count: number) => summaries.get(key(mode, count))!;
      const rssGrowth = (mode: WorkerMode) => get(mode, large).maxRssMiB / get(mode, small).maxRssMiB;
      const totalCpu = (r: WorkerResult) => r.cpuMs + r.childCpuMs;
      // Run by run (each side's run i was measured next to the reference's run i), then the median:
      // steadier than a ratio of medians when the machine's load drifts during the benchmark. Both sides
      // decode the same frames, so the ratio of times is the ratio of decoded frames/s.
      const ratio = (mode: WorkerMode, count: number, of: 'ms' | 'cpu' = 'ms', against: WorkerMode = 'reference') => {
        const ref = get(against, count).all;
        const value = (r: WorkerResult) => (of === 'ms' ? r.ms : totalCpu(r));
        return median(get(mode, count).all.map((r, i) => value(ref[i]) / value(r)));
      };
      // Steady state: the large run's extra decoded frames over its extra time, free of fixed costs
      // (loading the NLP model, opening and publishing the shards). NaN when noise made it meaningless.
      const extraFrames = (mode: WorkerMode) => get(mode, large).all[0].decodedFrames - get(mode, small).all[0].decodedFrames;
      const marginal = (mode: WorkerMode) => positive(extraFrames(mode) / ((get(mode, large).ms - get(mode, small).ms) / 1000));
      const marginalRatio = (mode: WorkerMode) => {
        const rate = (m: WorkerMode, i: number) => positive(extraFrames(m) / (get(m, large).all[i].ms - get(m, small).all[i].ms));
        return median(get(mode, large).all.map((_, i) => rate(mode, i) / rate('reference', i)));
      };
      const perClip = (value: number, count: number) => value / count;

      const summary: string[] = [];
      for (const count of counts) {
        const p = get('pipeline', count);
        const r = get('reference', count);
        const e = get('extract', count);
        const rp = get('reference-picks', count);
        const pr = ratio('pipeline', count);
        let line =
          `${NAME} ${count} clips: ${fixed(p.decodedFramesPerSecond)} decoded frames/s (${fixed(p.outputFramesPerSecond)} output frames/s), ` +
          `${fixed(p.clipsPerSecond, 1)} clips/s, peak RSS ${fixed(p.maxRssMiB)} MiB; ` +
          `raw ffmpeg ${fixed(r.decodedFramesPerSecond)} decoded frames/s (ratio ${fixed(pr, 2)}, target >= ${fixed(RATIO_TARGET, 2)}` +
          `${pr < RATIO_TARGET ? ', MISSED' : ''}); extractFrames alone ${fixed(e.decodedFramesPerSecond)} (ratio ${fixed(ratio('extract', count), 2)}); ` +
          `raw ffmpeg sending only the T picks ${fixed(rp.decodedFramesPerSecond)} (pipeline ÷ it ${fixed(ratio('pipeline', count, 'ms', 'reference-picks'), 2)}, ` +
          `extractFrames alone ÷ it ${fixed(ratio('extract', count, 'ms', 'reference-picks'), 2)})`;
        if (count === large) {
          const growth = rssGrowth('pipeline');
          line += `; RSS ${sizeLabel} = ${fixed(growth, 2)} (target <= ${fixed(RSS_TARGET, 2)}${growth > RSS_TARGET ? ', MISSED' : ''}; extractFrames alone ${fixed(rssGrowth('extract'), 2)})`;
        }
        summary.push(line);
      }
      summary.push(
        `${NAME} steady state (clips ${small}..${large}): ${fixed(marginal('pipeline'))} decoded frames/s; raw ffmpeg ${fixed(marginal('reference'))} ` +
          `(ratio ${fixed(marginalRatio('pipeline'), 2)}); extractFrames alone ${fixed(marginal('extract'))} (ratio ${fixed(marginalRatio('extract'), 2)})`,
        `${NAME} CPU per clip at ${large} clips (node + ffmpeg, ms): ` +
          modes.map((m) => `${LABEL[m]} ${fixed(perClip(get(m, large).cpuMs, large), 1)} + ${fixed(perClip(get(m, large).childCpuMs, large), 1)}`).join('; ') +
          `; raw ffmpeg ÷ side, all CPU: ` +
          counts.map((c) => `${c} clips: pipeline ${fixed(ratio('pipeline', c, 'cpu'), 2)}, extractFrames alone ${fixed(ratio('extract', c, 'cpu'), 2)}`).join('; '),
        // Node forks to spawn (page tables copied, the exec waited for): the bigger the process, the
        // longer the event loop stands still for every clip.
        `${NAME} main thread per clip at ${large} clips, blocked in spawn() / in GC (ms): ` +
          modes.map((m) => `${LABEL[m]} ${fixed(get(m, large).spawnMsPerClip, 1)} / ${fixed(get(m, large).gcMsPerClip, 1)} at peak RSS ${fixed(get(m, large).maxRssMiB)} MiB`).join('; '),
      );

      const rows: (string | number)[][] = [];
      for (const count of counts) {
        for (const mode of modes) {
          const s = get(mode, count);
          rows.push([
            LABEL[mode],
            count,
            s.runs,
            fixed(s.ms),
            fixed(s.clipsPerSecond, 1),
            fixed(s.decodedFramesPerSecond),
            fixed(s.outputFramesPerSecond),
            fixed(ratio(mode, count), 2),
            fixed(ratio(mode, count, 'ms', 'reference-picks'), 2),
            fixed(perClip(s.cpuMs, count), 1),
            fixed(perClip(s.childCpuMs, count), 1),
            fixed(ratio(mode, count, 'cpu'), 2),
            fixed(s.spawnMsPerClip, 1),
            fixed(s.maxRssMiB),
            count === large ? fixed(rssGrowth(mode), 2) : '',
          ]);
        }
      }

      return {
        name: NAME,
        summary,
        table: {
          headers: [
            'side', 'clips', 'runs', 'median ms', 'clips/s', 'decoded frames/s', 'output frames/s', 'vs ffmpeg', 'vs ffmpeg, T picks',
            'node CPU ms/clip', 'ffmpeg CPU ms/clip', 'CPU vs ffmpeg', 'spawn() ms', 'peak RSS MiB', `RSS ${sizeLabel}`,
          ],
          rows,
        },
        data: {
          counts,
          repeats,
          fixture: { videos: FIXTURE_VIDEOS, width: 160, height: 120, fps: 25, codec: 'mpeg4', range: RANGE, seconds: fixtureSeconds },
          dag: { size: SIZE, frames: FRAMES, fps: 0, concurrency: CONCURRENCY },
          ratioTarget: RATIO_TARGET,
          rssTarget: RSS_TARGET,
          /** Median over runs of reference ms / side ms, i.e. side decoded frames/s ÷ raw ffmpeg's. */
          ratio: Object.fromEntries(modes.map((m) => [m, Object.fromEntries(counts.map((c) => [c, ratio(m, c)]))])),
          /** The same against raw ffmpeg running extractFrames' own command line (only the T picks out). */
          ratioToPicks: Object.fromEntries(modes.map((m) => [m, Object.fromEntries(counts.map((c) => [c, ratio(m, c, 'ms', 'reference-picks')]))])),
          /** The same for CPU time, the worker's own plus its ffmpegs'. */
          cpuRatio: Object.fromEntries(modes.map((m) => [m, Object.fromEntries(counts.map((c) => [c, ratio(m, c, 'cpu')]))])),
          rssGrowth: Object.fromEntries(modes.map((m) => [m, rssGrowth(m)])),
          marginalDecodedFramesPerSecond: Object.fromEntries(modes.map((m) => [m, marginal(m)])),
          marginalRatio: Object.fromEntries(modes.map((m) => [m, marginalRatio(m)])),
          summaries: [...summaries.values()],
        },
      };
    } finally {
      await rm(fixture, { recursive: true, force: true });
    }
  },
} satisfies Benchmark;

/** One measurement in a fresh process and a fresh temporary folder for its outputs, removed afterwards. */
async function measure(mode: WorkerMode, count: number, root: string): Promise<WorkerResult> {
  const dir = await mkdtemp(join(tmpdir(), 't2v-bench-'));
  try {
    return await runNodeWorker<WorkerResult>(WORKER_FILE, ['--mode', mode, '--count', String(count), '--root', root, '--dir', dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function positive(value: number): number {
  return value > 0 && Number.isFinite(value) ? value : NaN;
}
