/**
 * A StackVganModel's whole training state in a CheckpointStore checkpoint, exact to the bit, through
 * models/training/trainingCheckpoint.ts:
 * - every network in the tfjs layers format: the VAE's encoder (with the word-vector table) and decoder,
 *   the joint embedding's text and frame branches, the conditioning augmentation, both generators and
 *   both discriminators;
 * - all six Adam optimisers (vae, joint, image, imageDiscriminator, video, videoDiscriminator), moments
 *   and running powers of beta; those that have not stepped yet (the GANs' during the text phase, the
 *   text side's after it when resumed) hold only their iteration count, which round-trips too;
 * - `model.step` and the caller's JSON state.
 */
import type { CheckpointStore, LoadedCheckpoint } from '../training/CheckpointStore.ts';
import { restoreTrainingCheckpoint, saveTrainingCheckpoint, type TrainingState } from '../training/trainingCheckpoint.ts';
import type { StackVganModel } from './StackVganModel.ts';

function trainingStateOf(model: StackVganModel): TrainingState {
  return { networks: model.networks(), optimizers: model.allOptimizers() };
}

/** Saves the model at `model.step` with `state` (JSON) beside it; returns the checkpoint folder. */
export async function saveStackVganCheckpoint(store: CheckpointStore, model: StackVganModel, state: Record<string, unknown>): Promise<string> {
  return saveTrainingCheckpoint(store, model.step, trainingStateOf(model), state);
}

/** Puts a checkpoint into `model` (built with the same args) and returns the caller's state. */
export async function restoreStackVganCheckpoint(checkpoint: LoadedCheckpoint, model: StackVganModel): Promise<Record<string, unknown>> {
  const state = await restoreTrainingCheckpoint(checkpoint, trainingStateOf(model));
  model.step = checkpoint.step;
  return state;
}
