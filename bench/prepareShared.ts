import { fileURLToPath } from 'node:url';

/** What bench/prepare.bench.ts and bench/prepareWorker.ts share. */

export const DAG_FILE = fileURLToPath(new URL('../dags/sbmg-prepare.yaml', import.meta.url));
export const WORKER_FILE = fileURLToPath(new URL('./prepareWorker.ts', import.meta.url));

/**
 * - pipeline: the DAG as shipped (all stages);
 * - engine: the DAG's source stage feeding a sink that writes the frames as the reference does (the engine alone);
 * - reference: the generator called directly, frames written to one file through a write stream.
 */
export type WorkerMode = 'pipeline' | 'engine' | 'reference';
export const WORKER_MODES: readonly WorkerMode[] = ['pipeline', 'engine', 'reference'];

/** The one JSON line a worker prints. */
export interface WorkerResult {
  mode: WorkerMode;
  count: number;
  /** count * frames per clip. */
  frames: number;
  /** Wall time of the measured work (DAG validation + run, or generate + write), ms. */
  ms: number;
  /**
   * CPU time (user + system, all threads) of the same work, ms. Less sensitive than wall time to other
   * processes competing for the cores, but blind to time spent waiting on the disk (fsync).
   */
  cpuMs: number;
  /** Frame bytes written (a check that both sides did the same work). */
  bytes: number;
  /** Peak resident set size of the worker process, KiB (process.resourceUsage().maxRSS). */
  maxRssKiB: number;
  /** process.memoryUsage() when the work was done, bytes. */
  end: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /** pipeline and engine: per-stage elapsed ms and item counts. */
  stages?: Record<string, { ms: number; in: number; out: number }>;
}
