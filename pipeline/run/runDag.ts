import { access, constants } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { DagSpec, StageSpec } from '../dag/DagSpec.ts';
import type { StageRegistry } from '../core/StageRegistry.ts';
import type { StageContext } from '../core/StageContext.ts';
import { describeError, OutputError, RunAbortedError, StageError } from '../errors/index.ts';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';
import { compileDag } from './compileDag.ts';
import { DagLock } from './DagLock.ts';
import { planRun, type StagePlan } from './planRun.ts';
import { RejectLog } from './RejectLog.ts';
import { RunLog } from './RunLog.ts';
import { StageStats } from './StageStats.ts';
import { versions } from './versions.ts';
import { createProgress } from './progress/createProgress.ts';
import type { ProgressMode } from './progress/ProgressReporter.ts';

export interface RunDagArgs {
  dag: DagSpec;
  registry: StageRegistry;
  /** Where run folders go: `<runsDir>/<dag name>/<run id>/`. Default `outputs`. */
  runsDir?: string;
  /** Folder that relative paths are resolved against. Default: the process's working directory. */
  cwd?: string;
  /** Stages to re-run even when up to date, with everything downstream of them. */
  force?: readonly string[];
  /** Plan only: say what would run and why, write nothing. */
  dryRun?: boolean;
  progress?: ProgressMode;
  /** Abort to stop the run (Ctrl-C); the run cleans up and reports `aborted`. */
  signal?: AbortSignal;
  /** Console output for log and progress lines. Default: stderr. */
  write?: (line: string) => void;
}

export type RunStatus = 'succeeded' | 'failed' | 'aborted' | 'planned';

export interface RunResult {
  status: RunStatus;
  /** The run folder (absent for a dry run). */
  runDir?: string;
  plan: Map<string, StagePlan>;
  stats: Map<string, StageStats>;
  /** What each sink reported when it finished. */
  results: Map<string, Record<string, unknown>>;
  error?: unknown;
  /** Peak number of items in flight on each edge, keyed `from->to` (for tests and benchmarks). */
  edgePeaks: Map<string, number>;
}

/** Plan, run and record one DAG run. Never throws for a stage failure: the result says what happened. */
export async function runDag(args: RunDagArgs): Promise<RunResult> {
  const { dag, registry } = args;
  const cwd = resolve(args.cwd ?? process.cwd());
  const write = args.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const dagRoot = resolve(cwd, args.runsDir ?? 'outputs', dag.name);
  const lock = await DagLock.load(join(dagRoot, 'dag.lock.json'));
  const plan = await planRun(dag, registry, lock, args.force ?? [], cwd);
  const stats = new Map(dag.stages.map((s) => [s.id, new StageStats(s.id, s.uses, registry.get(s.uses)!.kind)]));
  const empty = { plan, stats, results: new Map(), edgePeaks: new Map() };
  if (args.dryRun) return { status: 'planned', ...empty };

  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
  const runDir = join(dagRoot, runId);
  try {
    await makeDirectory(runDir);
    await access(runDir, constants.W_OK);
  } catch (error) {
    throw new OutputError(runDir, describeError(error), { cause: error });
  }
  const startedAt = new Date();
  await writeFileAtomic(join(runDir, 'dag.resolved.yaml'), resolvedDagYaml(dag));
  const progress = createProgress(args.progress ?? 'auto', write);
  const log = new RunLog(join(runDir, 'run.log'), (line) => progress.log(line));
  const rejects = new RejectLog(join(runDir, 'rejects.jsonl'));
  const controller = new AbortController();
  const cleanups: Array<() => Promise<void> | void> = [];
  const onOuterAbort = () => controller.abort(new RunAbortedError());
  args.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (args.signal?.aborted) onOuterAbort();

  const running = new Set([...plan.values()].filter((p) => p.action === 'run').map((p) => p.id));
  for (const stage of dag.stages) {
    const stat = stats.get(stage.id)!;
    if (!running.has(stage.id)) stat.status = 'skipped';
    const type = registry.get(stage.uses)!;
    if (type.kind === 'source') stat.total = type.total?.(stage.config);
    else {
      const totals = stage.from.map((id) => stats.get(id)!.total);
      stat.total = totals.every((t) => t !== undefined) ? totals.reduce((a, b) => a! + b!, 0) : undefined;
    }
  }
  log.write(`run ${runId} of ${dag.file}: ${running.size} of ${dag.stages.length} stages to run`);
  for (const p of plan.values()) log.write(`${p.action === 'run' ? 'run' : 'skip'}: ${p.reason}`, p.id);

  const contextFor = (stage: StageSpec): Omit<StageContext, 'complete'> => ({
    stageId: stage.id,
    signal: controller.signal,
    runDir,
    cwd,
    log: (message) => log.write(message, stage.id),
    reject: async (item, reason) => {
      if (stage.onError === 'fail') throw new StageError(stage.id, reason, { item });
      stats.get(stage.id)!.rejected++;
      log.write(`rejected ${item}: ${reason}`, stage.id);
      await rejects.add(stage.id, item, reason);
    },
    progress: (report) => stats.get(stage.id)!.report(report),
    onAbort: (cleanup) => cleanups.push(cleanup),
  });

  let status: RunStatus = 'succeeded';
  let failure: unknown;
  const results = new Map<string, Record<string, unknown>>();
  const edgePeaks = new Map<string, number>();
  progress.start([...stats.values()]);
  try {
    const compiled = await compileDag({ dag, registry, running, contextFor, stats, signal: controller.signal });
    await new Promise<void>((done, fail) => {
      const subscription = compiled.run$.subscribe({ complete: done, error: fail });
      controller.signal.addEventListener('abort', () => {
        subscription.unsubscribe();
        fail(controller.signal.reason);
      }, { once: true });
    });
    for (const [id, result] of compiled.results) results.set(id, result);
    for (const edge of compiled.edges) edgePeaks.set(`${edge.from}->${edge.to}`, edge.credits.peakInUse);
  } catch (error) {
    failure = error;
    status = error instanceof RunAbortedError ? 'aborted' : 'failed';
    if (!controller.signal.aborted) controller.abort(error);
    // The stage whose stream failed is marked `failed` (compileDag); the others were stopped because of it.
    for (const stat of stats.values()) if (stat.status === 'running' || stat.status === 'pending') stat.status = 'aborted';
    // Undo in reverse order of opening: sinks remove their staging files, sources end their children.
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (cleanupError) {
        log.write(`cleanup failed: ${describeError(cleanupError)}`);
      }
    }
  } finally {
    progress.stop();
    args.signal?.removeEventListener('abort', onOuterAbort);
  }

  if (status === 'succeeded') {
    for (const id of running) {
      const p = plan.get(id)!;
      if (p.outputs.length) await lock.record(id, p.fingerprint, p.outputs, cwd);
    }
  } else for (const id of running) lock.forget(id, plan.get(id)!.fingerprint);
  await lock.save().catch((error) => log.write(`could not save ${lock.path}: ${describeError(error)}`));
  await rejects.flushed();

  const finishedAt = new Date();
  const manifest = {
    dag: dag.name,
    file: dag.file,
    run: runId,
    status,
    error: failure === undefined ? undefined : describeError(failure),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    ms: finishedAt.getTime() - startedAt.getTime(),
    params: dag.params,
    versions: versions(),
    rejected: rejects.count,
    stages: Object.fromEntries(
      dag.stages.map((s) => {
        const p = plan.get(s.id)!;
        return [s.id, { ...stats.get(s.id)!.toJSON(), fingerprint: p.fingerprint, plan: p.reason, outputs: p.outputs, result: results.get(s.id) }];
      }),
    ),
  };
  await writeFileAtomic(join(runDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  log.write(status === 'succeeded' ? `run ${runId} succeeded in ${manifest.ms} ms` : `run ${runId} ${status}: ${describeError(failure)}`);
  await log.close();
  return { status, runDir, plan, stats, results, error: failure, edgePeaks };
}

function resolvedDagYaml(dag: DagSpec): string {
  return stringify({
    name: dag.name,
    description: dag.description,
    source: dag.file,
    params: dag.params,
    stages: Object.fromEntries(
      dag.stages.map((s) => [
        s.id,
        { uses: s.uses, from: s.from.length ? s.from : undefined, with: s.rawConfig, concurrency: s.concurrency, buffer: s.buffer, onError: s.onError },
      ]),
    ),
  });
}
