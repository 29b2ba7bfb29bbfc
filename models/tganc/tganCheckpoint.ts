/**
 * A TganModel's whole training state in a CheckpointStore checkpoint, exact to the bit:
 * - every network in the tfjs model format (`generator/`, `encoder/`, `video/`, `frame/`, `motion/`);
 * - every Adam optimiser's slots (iterations, first and second moments, in variable order) and its
 *   running powers of beta1/beta2 as tensors. tfjs's Adam.setWeights recomputes those powers as
 *   pow(beta, iterations + 1), which differs in the last bits from the product the optimiser keeps;
 *   restoring them as saved is what makes a resumed run equal an uninterrupted one;
 * - `model.step` and the caller's JSON state.
 */
import * as tf from '@tensorflow/tfjs';
import '../io/fileSystemIO.ts';
import type { CheckpointStore, LoadedCheckpoint } from '../training/CheckpointStore.ts';
import type { TganModel } from './TganModel.ts';

/** Adam keeps these as private variables; we read and restore them. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function networksOf(model: TganModel): Record<string, tf.LayersModel> {
  const networks: Record<string, tf.LayersModel> = { generator: model.generator };
  if (model.sentenceEncoder !== undefined) networks['encoder'] = model.sentenceEncoder;
  for (const d of model.discriminators) {
    networks[d.kind] = d.model;
    if (d.words !== undefined) networks[`${d.kind}Words`] = d.words;
  }
  return networks;
}

function optimizersOf(model: TganModel): Record<string, tf.AdamOptimizer> {
  return Object.fromEntries(Object.entries(model.optimizers).filter((entry): entry is [string, tf.AdamOptimizer] => entry[1] !== undefined));
}

/** Saves the model at `model.step` with `state` (JSON) beside it; returns the checkpoint folder. */
export async function saveTganCheckpoint(store: CheckpointStore, model: TganModel, state: Record<string, unknown>): Promise<string> {
  const tensors: Record<string, tf.Tensor> = {};
  const slots: Record<string, number> = {};
  for (const [name, optimizer] of Object.entries(optimizersOf(model))) {
    const weights = await optimizer.getWeights();
    slots[name] = weights.length;
    weights.forEach((w, i) => (tensors[`optimizer/${name}/${i}`] = w.tensor));
    const internals = optimizer as unknown as AdamInternals;
    tensors[`optimizer/${name}/accBeta1`] = internals.accBeta1;
    tensors[`optimizer/${name}/accBeta2`] = internals.accBeta2;
  }
  try {
    return await store.save(model.step, { models: networksOf(model), tensors, state: { ...state, optimizerSlots: slots } });
  } finally {
    // getWeights hands out the optimiser's own slot variables, but a new scalar for the iterations.
    for (const name of Object.keys(slots)) tensors[`optimizer/${name}/0`]?.dispose();
  }
}

/**
 * Puts a checkpoint's weights, optimiser state and step into `model` (built with the same args), and
 * returns the caller's state. Disposes the checkpoint's tensors.
 */
export async function restoreTganCheckpoint(checkpoint: LoadedCheckpoint, model: TganModel): Promise<Record<string, unknown>> {
  try {
    for (const [name, network] of Object.entries(networksOf(model))) {
      const dir = checkpoint.modelDirs[name];
      if (dir === undefined) throw new Error(`checkpoint ${checkpoint.dir} has no "${name}" network (it holds: ${Object.keys(checkpoint.modelDirs).join(', ')})`);
      const saved = await tf.loadLayersModel(`file://${dir}/model.json`);
      try {
        network.setWeights(saved.getWeights());
      } finally {
        saved.dispose();
      }
    }
    const slots = (checkpoint.state['optimizerSlots'] ?? {}) as Record<string, number>;
    for (const [name, optimizer] of Object.entries(optimizersOf(model))) {
      const count = slots[name];
      if (count === undefined) throw new Error(`checkpoint ${checkpoint.dir} has no optimiser state for "${name}"`);
      const weights = Array.from({ length: count }, (_, i) => ({ name: i === 0 ? 'iter' : `slot${i}`, tensor: tensorAt(checkpoint, `optimizer/${name}/${i}`) }));
      await optimizer.setWeights(weights);
      const internals = optimizer as unknown as AdamInternals;
      internals.accBeta1.assign(tensorAt(checkpoint, `optimizer/${name}/accBeta1`));
      internals.accBeta2.assign(tensorAt(checkpoint, `optimizer/${name}/accBeta2`));
    }
    model.step = checkpoint.step;
    return checkpoint.state;
  } finally {
    tf.dispose(Object.values(checkpoint.tensors));
  }
}

function tensorAt(checkpoint: LoadedCheckpoint, key: string): tf.Tensor {
  const t = checkpoint.tensors[key];
  if (t === undefined) throw new Error(`checkpoint ${checkpoint.dir} is missing tensor "${key}"`);
  return t;
}
