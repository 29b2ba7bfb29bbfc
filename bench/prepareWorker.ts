/**
 * One measurement of the sbmg prepare benchmark, run in a fresh process so that its peak RSS is its own:
 *
 *   node --import tsx bench/prepareWorker.ts --mode pipeline|engine|reference --count N --dir TMP
 *
 * - `pipeline`: dags/sbmg-prepare.yaml as shipped (all 4 stages), `count=N`, outputs under TMP.
 * - `engine`: the DAG's source stage feeding a bench-only sink that writes the frame bytes exactly as the
 *   reference does: the reference's work done through the engine, so the difference is the engine's cost.
 * - `reference`: the same clips from the bouncingDigits generator, frame bytes written sequentially to
 *   TMP/reference.bin through a plain write stream that honours 'drain': the work without the engine.
 *
 * Prints one JSON line (a WorkerResult) on stdout; anything else goes to stderr.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { validateDag } from '../pipeline/dag/validateDag.ts';
import { runDag } from '../pipeline/run/runDag.ts';
import { builtinStages } from '../stages/index.ts';
import { bouncingDigits } from '../datasets/synthetic/bouncingDigits.ts';
import { writeFramesStage } from './writeFramesStage.ts';
import { DAG_FILE, WORKER_MODES, type WorkerMode, type WorkerResult } from './prepareShared.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    count: { type: 'string' },
    dir: { type: 'string' },
  },
  strict: true,
});
const mode = values.mode as WorkerMode;
const count = Number(values.count);
const dir = values.dir ?? '';
if (!WORKER_MODES.includes(mode) || !Number.isInteger(count) || count < 1 || !dir) {
  process.stderr.write(`usage: prepareWorker.ts --mode ${WORKER_MODES.join('|')} --count N --dir TMP\n`);
  process.exit(2);
}

// What the DAG's generator stage gets, for the reference to make the same clips. Read from the DAG itself
// so the two never drift apart.
const text = await readFile(DAG_FILE, 'utf8');
const registry = builtinStages().with(writeFramesStage);
const overrides = [`count=${count}`, `out=${join(dir, 'sbmg')}`];
const dag = validateDag({ text, file: DAG_FILE, registry, overrides });
const frames = Number(dag.params.frames);
const source = dag.stages.find((s) => s.uses === 'bouncing-digits');
if (!source) throw new Error(`${DAG_FILE} has no bouncing-digits stage`);

const ENGINE_OUT = 'engine.bin';
const dagText = mode === 'engine' ? engineOnly(text) : text;
const cpuBefore = process.cpuUsage();
const result = mode === 'reference' ? await reference() : await pipeline(dagText);
const cpu = process.cpuUsage(cpuBefore);
const memory = process.memoryUsage();
const output: WorkerResult = {
  ...result,
  cpuMs: (cpu.user + cpu.system) / 1000,
  mode,
  count,
  frames: count * frames,
  maxRssKiB: process.resourceUsage().maxRSS,
  end: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external, arrayBuffers: memory.arrayBuffers },
};
process.stdout.write(JSON.stringify(output) + '\n');

async function pipeline(dagText: string): Promise<Pick<WorkerResult, 'ms' | 'bytes' | 'stages'>> {
  const started = performance.now();
  // Validation is part of the run (a CLI run does it too); re-done here with the overrides.
  const spec = validateDag({ text: dagText, file: DAG_FILE, registry, overrides });
  const run = await runDag({ dag: spec, registry, runsDir: join(dir, 'runs'), cwd: dir, progress: 'none', write: () => undefined });
  const ms = performance.now() - started;
  if (run.status !== 'succeeded') throw new Error(`${mode} run ${run.status}: ${String(run.error)}`);
  const sinks = [...run.results.values()] as { clips?: number }[];
  if (!sinks.some((r) => r.clips === count)) throw new Error(`${mode} run: no sink took ${count} clips (${JSON.stringify(sinks)})`);
  const stages = Object.fromEntries([...run.stats].map(([id, s]) => [id, { ms: s.elapsedMs, in: s.in, out: s.out }]));
  const bytes = mode === 'pipeline' ? await datasetBytes(join(dir, 'sbmg')) : (await stat(join(dir, ENGINE_OUT))).size;
  return { ms, bytes, stages };
}

/** The DAG with its source stage only, feeding a `write-frames` sink. */
function engineOnly(dagText: string): string {
  const doc = parse(dagText) as { stages: Record<string, unknown> };
  const id = source!.id;
  doc.stages = { [id]: doc.stages[id], frames: { uses: writeFramesStage.name, from: id, with: { out: ENGINE_OUT } } };
  return stringify(doc);
}

async function reference(): Promise<Pick<WorkerResult, 'ms' | 'bytes'>> {
  const args = source!.config as Parameters<typeof bouncingDigits>[0];
  const path = join(dir, 'reference.bin');
  const started = performance.now();
  const out = createWriteStream(path);
  for (const clip of bouncingDigits(args)) {
    if (!out.write(clip.frames)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  const ms = performance.now() - started;
  return { ms, bytes: (await stat(path)).size };
}

/** Bytes of the shard .bin files, to check both sides wrote the same frames. */
async function datasetBytes(folder: string): Promise<number> {
  const meta = JSON.parse(await readFile(join(folder, 'dataset.json'), 'utf8')) as { shards: { bytes: number }[] };
  return meta.shards.reduce((sum, s) => sum + s.bytes, 0);
}
