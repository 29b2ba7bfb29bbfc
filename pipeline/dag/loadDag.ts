import { readFile } from 'node:fs/promises';
import { DagError, DagValidationError } from '../errors/index.ts';
import type { StageRegistry } from '../core/StageRegistry.ts';
import type { DagSpec } from './DagSpec.ts';
import { validateDag } from './validateDag.ts';

/** Read and validate a DAG file, then run the stages' checks against existing files (paths relative to `cwd`). */
export async function loadDag(file: string, registry: StageRegistry, overrides: readonly string[] = [], cwd = process.cwd()): Promise<DagSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such DAG file' : `cannot read DAG file (${(error as Error).message})`;
    throw new DagValidationError([new DagError({ file }, reason)]);
  }
  const dag = validateDag({ text, file, registry, overrides });
  await checkStages(dag, registry, cwd);
  return dag;
}

/** Runs each stage type's `check` (files it reads against its config); problems as DAG errors. */
export async function checkStages(dag: DagSpec, registry: StageRegistry, cwd: string): Promise<void> {
  const errors: DagError[] = [];
  for (const stage of dag.stages) {
    const type = registry.get(stage.uses);
    if (type?.check === undefined) continue;
    for (const problem of await type.check(stage.config, { cwd })) {
      const where = stage.configPositions?.[problem.path[0] ?? ''] ?? { line: stage.line };
      errors.push(new DagError({ file: dag.file, ...where, stage: stage.id }, `invalid config with.${problem.path.join('.')}: ${problem.message}`));
    }
  }
  if (errors.length) throw new DagValidationError(errors);
}
