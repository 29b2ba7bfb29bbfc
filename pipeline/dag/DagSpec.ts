/** A DAG after validation: params substituted, configs parsed by their stage types, stages in order. */
export type OnError = 'fail' | 'skip';

export interface StageSpec {
  id: string;
  /** Stage type name (`uses:`). */
  uses: string;
  /** Upstream stage ids (`from:`), empty for sources. */
  from: string[];
  /** The stage's config after param substitution and its zod schema (defaults filled in). */
  config: unknown;
  /** The same before zod parsed it: what the user wrote, params substituted (for the resolved DAG file). */
  rawConfig: Record<string, unknown>;
  /** How many items the stage works on at once. */
  concurrency: number;
  /** How many items may wait on each edge into this stage. */
  buffer: number;
  onError: OnError;
  /** Line of the stage in the DAG file, for messages at run time. */
  line: number | undefined;
  /** Line and column of each top-level key of `with:` (for problems found after validation). */
  configPositions?: Record<string, { line?: number; column?: number }>;
}

export interface DagSpec {
  name: string;
  description: string | undefined;
  /** The DAG file, or a label such as `<export>` for DAGs built in code. */
  file: string;
  /** Params after `--set` overrides. */
  params: Record<string, string | number | boolean>;
  /** Stages by id, in topological order (every stage after all of its upstreams). */
  stages: StageSpec[];
}

export const DEFAULT_BUFFER = 8;
export const DEFAULT_CONCURRENCY = 1;
