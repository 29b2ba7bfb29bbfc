/**
 * A model's whole training state in a CheckpointStore checkpoint, exact to the bit, for any set of
 * networks and Adam optimisers (tganc/tganCheckpoint.ts and unet/unetCheckpoint.ts say which):
 * - every network in the tfjs layers format, one folder per name;
 * - every Adam optimiser's slots (iterations, first and second moments, in variable order) and its
 *   running powers of beta1/beta2 as tensors. tfjs's Adam.setWeights recomputes those powers as
 *   pow(beta, iterations + 1), which differs in the last bits from the product the optimiser keeps;
 *   restoring them as saved is what makes a resumed run equal an uninterrupted one. An optimiser that has
 *   not stepped any variable yet has only its iteration count, which round-trips too;
 * - the caller's JSON state (with the slot counts added).
 */
import * as tf from '@tensorflow/tfjs';
import '../io/fileSystemIO.ts';
import type { CheckpointStore, LoadedCheckpoint } from './CheckpointStore.ts';

/** Adam keeps its running powers of beta as private variables; they are read and restored here. */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

export interface TrainingState {
  networks: Record<string, tf.LayersModel>;
  optimizers: Record<string, tf.AdamOptimizer>;
}

/** Saves networks and optimisers as checkpoint `step` with `state` beside them; returns its folder. */
export async function saveTrainingCheckpoint(store: CheckpointStore, step: number, { networks, optimizers }: TrainingState, state: Record<string, unknown>): Promise<string> {
  const tensors: Record<string, tf.Tensor> = {};
  const slots: Record<string, number> = {};
  const iterations: tf.Tensor[] = [];
  try {
    for (const [name, optimizer] of Object.entries(optimizers)) {
      const weights = await optimizer.getWeights();
      slots[name] = weights.length;
      // The first is a fresh scalar of the iteration count; the others are the optimiser's own variables.
      iterations.push(weights[0]!.tensor);
      weights.forEach((w, i) => (tensors[`optimizer/${name}/${i}`] = w.tensor));
      const powers = optimizer as unknown as AdamPowers;
      tensors[`optimizer/${name}/accBeta1`] = powers.accBeta1;
      tensors[`optimizer/${name}/accBeta2`] = powers.accBeta2;
    }
    return await store.save(step, { models: networks, tensors, state: { ...state, optimizerSlots: slots } });
  } finally {
    tf.dispose(iterations);
  }
}

/**
 * Puts a checkpoint's weights and optimiser state into networks and optimisers built as the saved ones
 * were, and returns the caller's state. Disposes the checkpoint's tensors.
 */
export async function restoreTrainingCheckpoint(checkpoint: LoadedCheckpoint, { networks, optimizers }: TrainingState): Promise<Record<string, unknown>> {
  try {
    for (const [name, network] of Object.entries(networks)) {
      const dir = checkpoint.modelDirs[name];
      if (dir === undefined) throw new Error(`checkpoint ${checkpoint.dir} has no "${name}" network (it holds: ${Object.keys(checkpoint.modelDirs).join(', ')})`);
      await loadNetworkWeights(dir, network, (saved, expected) => `checkpoint ${checkpoint.dir}: network "${name}" has ${saved} weights, the model ${expected} (built with other args?)`);
    }
    const slots = (checkpoint.state['optimizerSlots'] ?? {}) as Record<string, number>;
    for (const [name, optimizer] of Object.entries(optimizers)) {
      const count = slots[name];
      if (count === undefined) throw new Error(`checkpoint ${checkpoint.dir} has no optimiser state for "${name}"`);
      const weights = Array.from({ length: count }, (_, i) => ({ name: i === 0 ? 'iter' : `slot${i}`, tensor: tensorAt(checkpoint, `optimizer/${name}/${i}`) }));
      await optimizer.setWeights(weights);
      const powers = optimizer as unknown as AdamPowers;
      powers.accBeta1.assign(tensorAt(checkpoint, `optimizer/${name}/accBeta1`));
      powers.accBeta2.assign(tensorAt(checkpoint, `optimizer/${name}/accBeta2`));
    }
    return checkpoint.state;
  } finally {
    tf.dispose(Object.values(checkpoint.tensors));
  }
}

/**
 * Sets `network`'s weights to those of the network saved (tfjs layers format) in `dir`; when their count
 * or shapes differ, throws an Error with `mismatch(saved count, network's count)` as its message.
 */
export async function loadNetworkWeights(dir: string, network: tf.LayersModel, mismatch: (saved: number, expected: number) => string): Promise<void> {
  const saved = await tf.loadLayersModel(`file://${dir}/model.json`);
  try {
    const weights = saved.getWeights();
    const shapes = (ws: readonly { shape: readonly (number | null)[] }[]) => ws.map((w) => `[${w.shape.join(',')}]`).join(' ');
    if (weights.length !== network.weights.length || shapes(weights) !== shapes(network.weights)) throw new Error(mismatch(weights.length, network.weights.length));
    network.setWeights(weights);
  } finally {
    saved.dispose();
  }
}

function tensorAt(checkpoint: LoadedCheckpoint, key: string): tf.Tensor {
  const t = checkpoint.tensors[key];
  if (t === undefined) throw new Error(`checkpoint ${checkpoint.dir} is missing tensor "${key}"`);
  return t;
}
