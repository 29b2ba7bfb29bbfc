import { stringify } from 'yaml';
import type { StageRegistry } from '../core/StageRegistry.ts';
import type { DagSpec } from './DagSpec.ts';
import { validateDag } from './validateDag.ts';

export interface DagObject {
  name: string;
  description?: string;
  params?: Record<string, string | number | boolean>;
  stages: Record<string, { uses: string; from?: string | string[]; with?: Record<string, unknown>; concurrency?: number; buffer?: number; onError?: 'fail' | 'skip' }>;
}

/**
 * A DAG built in code (by CLI commands such as `export`), checked by the same validation as a file.
 * `label` stands in for the file name in messages.
 */
export function dagFromObject(dag: DagObject, label: string, registry: StageRegistry): DagSpec {
  const clean = JSON.parse(JSON.stringify(dag)) as DagObject; // drop undefined values
  return validateDag({ text: stringify(clean), file: label, registry });
}
