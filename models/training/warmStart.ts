/**
 * Warm start: a new run's networks take their starting weights from another run's checkpoint (a
 * `step-NNNNNNNN` folder, or a run folder, whose newest checkpoint is used), while everything else
 * starts afresh: optimiser state, step count, and whatever the new config changes in the losses. This is
 * how a long run's weights go on under new loss settings without the hours already spent; `--resume`, by
 * contrast, continues the same run and refuses another config.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointStore } from './CheckpointStore.ts';
import { loadNetworkWeights } from './trainingCheckpoint.ts';
import type { LoadedCheckpoint } from './CheckpointStore.ts';

export interface WarmStartResult {
  /** The checkpoint folder the weights came from. */
  checkpoint: string;
  step: number;
  /** Networks whose weights were loaded, and those the checkpoint does not have (they keep their initialisation). */
  loaded: string[];
  missing: string[];
}

/** The checkpoint a warm start reads: `path` itself (a checkpoint folder: it has state.json) or the newest of `path/checkpoints`. */
export async function openWarmStartCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const dir = resolve(path);
  if (existsSync(join(dir, 'state.json'))) return CheckpointStore.loadFolder(dir);
  const store = new CheckpointStore(join(dir, 'checkpoints'));
  const latest = await store.latest();
  if (latest === undefined) throw new Error(`${path} is neither a checkpoint folder (step-NNNNNNNN with state.json) nor a run folder with checkpoints/`);
  return store.load(latest);
}

/** Loads every network the checkpoint has into `networks` (built with the same architecture); the optimisers are not touched. */
export async function warmStartNetworks(path: string, networks: Record<string, tf.LayersModel>): Promise<WarmStartResult> {
  const checkpoint = await openWarmStartCheckpoint(path);
  try {
    const loaded: string[] = [];
    const missing: string[] = [];
    for (const [name, network] of Object.entries(networks)) {
      const dir = checkpoint.modelDirs[name];
      if (dir === undefined) {
        missing.push(name);
        continue;
      }
      await loadNetworkWeights(dir, network, (saved, expected) => `${checkpoint.dir}: network "${name}" has other weights than this run's (${saved} vs ${expected}): a warm start needs the same architecture (preset, sizes, head, upsampling)`);
      loaded.push(name);
    }
    return { checkpoint: checkpoint.dir, step: checkpoint.step, loaded, missing };
  } finally {
    tf.dispose(Object.values(checkpoint.tensors));
  }
}
