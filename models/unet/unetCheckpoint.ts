/**
 * A UnetModel's whole training state in a CheckpointStore checkpoint, exact to the bit (as
 * models/tganc/tganCheckpoint.ts does for TGANs-C):
 * - the predictor and the frame discriminator in the tfjs layers format (`predictor/`, `discriminator/`),
 *   plus any extra network the caller owns (the trainer's sentence encoder: `encoder/`);
 * - both Adam optimisers' slots (iterations, first and second moments, in variable order) and their
 *   running powers of beta1/beta2 as saved tensors. Adam.setWeights would recompute those powers as
 *   pow(beta, iterations + 1), which differs from the running product in the last bits; restoring them
 *   as saved is what makes a resumed run equal an uninterrupted one. The discriminator's optimiser has
 *   no moments before the adversarial phase: only its iterations (and powers) are saved then;
 * - `model.step` and the caller's JSON state.
 */
import * as tf from '@tensorflow/tfjs';
import '../io/fileSystemIO.ts';
import type { CheckpointStore, LoadedCheckpoint } from '../training/CheckpointStore.ts';
import type { UnetModel } from './UnetModel.ts';

/** Adam keeps its running powers of beta as private variables; they are read and restored here. */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** Networks besides the model's own, e.g. `{ encoder }`: saved and restored with it. */
export type ExtraNetworks = Record<string, tf.LayersModel>;

function networksOf(model: UnetModel, extra: ExtraNetworks): Record<string, tf.LayersModel> {
  const networks: Record<string, tf.LayersModel> = { predictor: model.predictor, discriminator: model.discriminator.model };
  if (model.discriminator.words !== undefined) networks['discriminatorWords'] = model.discriminator.words;
  for (const [name, network] of Object.entries(extra)) {
    if (name in networks) throw new Error(`an extra network cannot be called "${name}" (the model's own network has that name)`);
    networks[name] = network;
  }
  return networks;
}

function optimizersOf(model: UnetModel): Record<string, tf.AdamOptimizer> {
  return { predictor: model.optimizers.predictor, discriminator: model.optimizers.discriminator };
}

/** Saves the model at `model.step` with `state` (JSON) beside it; returns the checkpoint folder. */
export async function saveUnetCheckpoint(store: CheckpointStore, model: UnetModel, state: Record<string, unknown>, extra: ExtraNetworks = {}): Promise<string> {
  const tensors: Record<string, tf.Tensor> = {};
  const slots: Record<string, number> = {};
  const iterations: tf.Tensor[] = [];
  try {
    for (const [name, optimizer] of Object.entries(optimizersOf(model))) {
      const weights = await optimizer.getWeights();
      slots[name] = weights.length;
      // The first is a fresh scalar of the iteration count; the others are the optimiser's own variables.
      iterations.push(weights[0]!.tensor);
      weights.forEach((w, i) => (tensors[`optimizer/${name}/${i}`] = w.tensor));
      const powers = optimizer as unknown as AdamPowers;
      tensors[`optimizer/${name}/accBeta1`] = powers.accBeta1;
      tensors[`optimizer/${name}/accBeta2`] = powers.accBeta2;
    }
    return await store.save(model.step, { models: networksOf(model, extra), tensors, state: { ...state, optimizerSlots: slots } });
  } finally {
    tf.dispose(iterations);
  }
}

/**
 * Puts a checkpoint's weights, optimiser state and step into `model` (built with the same args) and into
 * the extra networks, and returns the caller's state. Disposes the checkpoint's tensors.
 */
export async function restoreUnetCheckpoint(checkpoint: LoadedCheckpoint, model: UnetModel, extra: ExtraNetworks = {}): Promise<Record<string, unknown>> {
  try {
    for (const [name, network] of Object.entries(networksOf(model, extra))) {
      const dir = checkpoint.modelDirs[name];
      if (dir === undefined) throw new Error(`checkpoint ${checkpoint.dir} has no "${name}" network (it holds: ${Object.keys(checkpoint.modelDirs).join(', ')})`);
      const saved = await tf.loadLayersModel(`file://${dir}/model.json`);
      try {
        const weights = saved.getWeights();
        if (weights.length !== network.weights.length) {
          throw new Error(`checkpoint ${checkpoint.dir}: network "${name}" has ${weights.length} weights, the model ${network.weights.length} (built with other args?)`);
        }
        network.setWeights(weights);
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
      const powers = optimizer as unknown as AdamPowers;
      powers.accBeta1.assign(tensorAt(checkpoint, `optimizer/${name}/accBeta1`));
      powers.accBeta2.assign(tensorAt(checkpoint, `optimizer/${name}/accBeta2`));
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
