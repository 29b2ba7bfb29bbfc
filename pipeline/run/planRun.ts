import type { DagSpec } from '../dag/DagSpec.ts';
import type { StageRegistry } from '../core/StageRegistry.ts';
import { UsageError } from '../errors/index.ts';
import type { DagLock } from './DagLock.ts';
import { stageFingerprint } from './fingerprint.ts';
import { stampInputs } from './inputStamp.ts';

export interface StagePlan {
  id: string;
  fingerprint: string;
  /** Resolved output paths (empty for stages that write nothing of their own). */
  outputs: string[];
  action: 'run' | 'skip';
  /** Why, in words, for `--dry-run` and the log. */
  reason: string;
}

/**
 * Decide which stages run. A stage with outputs is skipped when its fingerprint and outputs are
 * unchanged since it last wrote them; `--force` makes a stage and everything downstream of it run.
 * Any stage that feeds a stage that runs must run too, since data flows as a stream.
 */
export async function planRun(dag: DagSpec, registry: StageRegistry, lock: DagLock, force: readonly string[], cwd: string): Promise<Map<string, StagePlan>> {
  const ids = new Set(dag.stages.map((s) => s.id));
  for (const id of force) if (!ids.has(id)) throw new UsageError(`--force names unknown stage "${id}" (stages: ${[...ids].join(', ')})`);

  const forced = new Set(force);
  for (const stage of dag.stages) if (stage.from.some((id) => forced.has(id))) forced.add(stage.id);

  const plans = new Map<string, StagePlan>();
  for (const stage of dag.stages) {
    const type = registry.get(stage.uses)!;
    const inputs = type.inputs?.(stage.config).filter(Boolean) ?? [];
    const inputStamp = inputs.length ? await stampInputs(inputs, cwd) : '';
    const fingerprint = stageFingerprint(stage, type.version, stage.from.map((id) => plans.get(id)!.fingerprint), inputStamp);
    const outputs = type.outputs?.(stage.config) ?? [];
    let action: StagePlan['action'] = 'run';
    let reason = 'writes no outputs of its own';
    if (type.kind === 'sink' || outputs.length) {
      if (forced.has(stage.id)) reason = 'forced';
      else if (!outputs.length) reason = 'sink without declared outputs: always runs';
      else if (await lock.isUpToDate(stage.id, fingerprint, outputs, cwd)) {
        action = 'skip';
        reason = 'up to date';
      } else reason = 'config, inputs or outputs changed';
    } else action = 'skip';
    plans.set(stage.id, { id: stage.id, fingerprint, outputs, action, reason });
  }

  // Walk back from the stages that run: their upstreams must run to feed them.
  for (const stage of [...dag.stages].reverse()) {
    const plan = plans.get(stage.id)!;
    if (plan.action !== 'run') continue;
    for (const upstream of stage.from) {
      const up = plans.get(upstream)!;
      if (up.action === 'skip') {
        up.action = 'run';
        up.reason = `feeds "${stage.id}"`;
      }
    }
  }
  for (const plan of plans.values()) if (plan.action === 'skip' && plan.reason === 'writes no outputs of its own') plan.reason = 'nothing downstream needs to run';
  return plans;
}
