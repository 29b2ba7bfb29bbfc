/**
 * A UnetModel's whole training state in a CheckpointStore checkpoint, exact to the bit (as
 * models/tganc/tganCheckpoint.ts does for TGANs-C):
 * - the predictor and the frame discriminator in the tfjs layers format (`predictor/`, `discriminator/`),
 *   plus any extra network the caller owns (the trainer's sentence encoder: `encoder/`);
 * - both Adam optimisers' state, exactly (models/training/trainingCheckpoint.ts; the discriminator's has
 *   no moments before the adversarial phase: only its iterations and powers are saved then);
 * - `model.step` and the caller's JSON state.
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointStore, LoadedCheckpoint } from '../training/CheckpointStore.ts';
import { restoreTrainingCheckpoint, saveTrainingCheckpoint, type TrainingState } from '../training/trainingCheckpoint.ts';
import type { UnetModel } from './UnetModel.ts';

/** Networks besides the model's own, e.g. `{ encoder }`: saved and restored with it. */
export type ExtraNetworks = Record<string, tf.LayersModel>;

function trainingStateOf(model: UnetModel, extra: ExtraNetworks): TrainingState {
  const networks: Record<string, tf.LayersModel> = { predictor: model.predictor, discriminator: model.discriminator.model };
  if (model.discriminator.words !== undefined) networks['discriminatorWords'] = model.discriminator.words;
  for (const [name, network] of Object.entries(extra)) {
    if (name in networks) throw new Error(`an extra network cannot be called "${name}" (the model's own network has that name)`);
    networks[name] = network;
  }
  return { networks, optimizers: { predictor: model.optimizers.predictor, discriminator: model.optimizers.discriminator } };
}

/** Saves the model at `model.step` with `state` (JSON) beside it; returns the checkpoint folder. */
export async function saveUnetCheckpoint(store: CheckpointStore, model: UnetModel, state: Record<string, unknown>, extra: ExtraNetworks = {}): Promise<string> {
  return saveTrainingCheckpoint(store, model.step, trainingStateOf(model, extra), state);
}

/**
 * Puts a checkpoint's weights, optimiser state and step into `model` (built with the same args) and into
 * the extra networks, and returns the caller's state. Disposes the checkpoint's tensors.
 */
export async function restoreUnetCheckpoint(checkpoint: LoadedCheckpoint, model: UnetModel, extra: ExtraNetworks = {}): Promise<Record<string, unknown>> {
  const state = await restoreTrainingCheckpoint(checkpoint, trainingStateOf(model, extra));
  model.step = checkpoint.step;
  return state;
}
