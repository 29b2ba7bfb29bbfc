import { isAbsolute, relative } from 'node:path';
import { loadDag } from '../../pipeline/dag/loadDag.ts';
import { runDag, type RunResult } from '../../pipeline/run/runDag.ts';
import type { ProgressMode } from '../../pipeline/run/progress/ProgressReporter.ts';
import { builtinStages } from '../../stages/index.ts';
import { BACKEND_CHOICES } from '../../models/backend/backendChoices.ts';
import { EXIT } from '../exitCodes.ts';
import type { Io } from '../Io.ts';
import { oneOf, parse } from '../parse.ts';
import { reportError } from '../reportError.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import type { DagSpec } from '../../pipeline/dag/DagSpec.ts';
import type { StageRegistry } from '../../pipeline/core/StageRegistry.ts';

const USAGE = 't2v run DAG [--set name=value ...] [--resume] [--backend auto|tensorflow|wasm|cpu] [--force STAGE ...] [--dry-run] [--progress auto|bars|lines|none] [--runs DIR]';

export const RUN_HELP = `${USAGE}
  Validate and run a DAG file. Stages whose config, inputs and outputs are unchanged are skipped.
  --set name=value   override a DAG param (repeatable)
  --resume           training DAGs: continue from the newest checkpoint (the same as --set resume=true)
  --backend NAME     training DAGs: the tensor backend (the same as --set backend=NAME)
  --force STAGE      re-run STAGE and everything downstream of it even if up to date (repeatable)
  --dry-run          say which stages would run and why; write nothing
  --progress MODE    bars on a terminal, plain lines otherwise (auto); or force one, or none
  --runs DIR         where run folders go (default: outputs)`;

export async function runCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      set: { type: 'string', multiple: true },
      force: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      progress: { type: 'string' },
      runs: { type: 'string' },
      resume: { type: 'boolean' },
      backend: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`run takes one DAG file\nusage: ${USAGE}`);
  const registry = builtinStages();
  const overrides = [...(values.set ?? [])];
  if (values.resume) overrides.push('resume=true');
  if (values.backend !== undefined) overrides.push(`backend=${oneOf('backend', values.backend as string, BACKEND_CHOICES)}`);
  const dag = await loadDag(positionals[0], registry, overrides);
  return executeDag(dag, registry, io, {
    force: values.force ?? [],
    dryRun: values['dry-run'] ?? false,
    progress: oneOf('progress', values.progress as string | undefined, ['auto', 'bars', 'lines', 'none'] as const),
    runsDir: values.runs as string | undefined,
  });
}

/** Run a validated DAG and report the outcome: shared by `run` and the commands built on DAGs. */
export async function executeDag(
  dag: DagSpec,
  registry: StageRegistry,
  io: Io,
  options: { force?: readonly string[]; dryRun?: boolean; progress?: ProgressMode; runsDir?: string },
): Promise<number> {
  const result = await runDag({
    dag,
    registry,
    force: options.force,
    dryRun: options.dryRun,
    progress: options.progress ?? 'auto',
    runsDir: options.runsDir,
    signal: io.signal,
    write: io.err,
  });
  if (result.status === 'planned') {
    for (const plan of result.plan.values()) io.out(`${plan.action === 'run' ? 'run ' : 'skip'}  ${plan.id}: ${plan.reason}`);
    return EXIT.ok;
  }
  return summarise(result, io);
}

/** A path as the user would type it: relative when under the working directory, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function summarise(result: RunResult, io: Io): number {
  const runDir = result.runDir ? shown(result.runDir) : '';
  if (result.status !== 'succeeded') {
    const code = reportError(result.error, io.err);
    io.err(`t2v: run ${result.status}; see ${runDir}/manifest.json and ${runDir}/run.log`);
    return result.status === 'aborted' ? EXIT.aborted : code === EXIT.usage ? EXIT.failed : code;
  }
  const rejected = [...result.stats.values()].reduce((sum, s) => sum + s.rejected, 0);
  const ran = [...result.plan.values()].filter((p) => p.action === 'run').length;
  io.out(`run succeeded: ${ran} stage(s) ran, ${result.plan.size - ran} up to date${rejected ? `, ${rejected} item(s) rejected (see ${runDir}/rejects.jsonl)` : ''}`);
  for (const [stage, summary] of result.results) {
    if (typeof summary.out === 'string') io.out(`  ${stage}: ${shown(summary.out)}`);
  }
  for (const plan of result.plan.values()) {
    if (plan.action === 'skip' && plan.outputs.length) io.out(`  ${plan.id}: ${plan.outputs.join(', ')} (up to date)`);
  }
  io.out(`  run record: ${runDir}/manifest.json`);
  return EXIT.ok;
}
