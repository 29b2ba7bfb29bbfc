import { readFile } from 'node:fs/promises';
import { DagError, DagValidationError } from '../errors/index.ts';
import type { StageRegistry } from '../core/StageRegistry.ts';
import type { DagSpec } from './DagSpec.ts';
import { validateDag } from './validateDag.ts';

/** Read and validate a DAG file; a missing or unreadable file is a DAG error naming it. */
export async function loadDag(file: string, registry: StageRegistry, overrides: readonly string[] = []): Promise<DagSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such DAG file' : `cannot read DAG file (${(error as Error).message})`;
    throw new DagValidationError([new DagError({ file }, reason)]);
  }
  return validateDag({ text, file, registry, overrides });
}
