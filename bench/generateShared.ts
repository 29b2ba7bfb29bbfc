/** What bench/generate.bench.ts and its worker (bench/generateWorker.ts) share. */
import { join } from 'node:path';
import { ROOT } from './lib.ts';

export const GENERATE_WORKER = join(ROOT, 'bench', 'generateWorker.ts');

/**
 * - `setup`: save an untrained model of the training DAG's default size (preset small, 48x48x16 grey) and a
 *   caption file: speed does not depend on the weights.
 * - `pipeline`: dags/generate.yaml as `t2v generate` runs it (read-captions -> generate-videos -> write-videos).
 * - `generate`: the generator alone over the same captions in the same batches (videos dropped).
 * - `encode`: the encoders alone: the same number of videos (16 distinct ones, reused) written with the
 *   same format and concurrency.
 */
export const GENERATE_MODES = ['setup', 'pipeline', 'generate', 'encode'] as const;
export type GenerateMode = (typeof GENERATE_MODES)[number];

export interface GenerateWorkerResult {
  mode: GenerateMode;
  count: number;
  format: string;
  ms: number;
  maxRssKiB: number;
  videos: number;
}

/** The captions of the benchmark: seen and unseen bouncing-digit captions, repeated. */
export function benchCaptions(count: number): string[] {
  const motions = ['left and right', 'up and down'];
  return Array.from({ length: count }, (_, i) => `digit ${i % 10} is moving ${motions[Math.floor(i / 10) % 2]}`);
}
