/**
 * A TganModel's whole training state in a CheckpointStore checkpoint, exact to the bit:
 * - every network in the tfjs model format (`generator/`, `generatorAverage/` (with a weight average),
 *   `encoder/`, `video/`, `frame/`, `motion/`);
 * - every Adam optimiser's state, exactly (models/training/trainingCheckpoint.ts);
 * - `model.step` and the caller's JSON state.
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointStore, LoadedCheckpoint } from '../training/CheckpointStore.ts';
import { restoreTrainingCheckpoint, saveTrainingCheckpoint, type TrainingState } from '../training/trainingCheckpoint.ts';
import { warmStartNetworks, type WarmStartResult } from '../training/warmStart.ts';
import type { TganModel } from './TganModel.ts';

/** Every network of a TganModel by its checkpoint name (generator, generatorAverage, encoder, posterior, video, frame, motion, …Words). */
export function tganNetworks(model: TganModel): Record<string, tf.LayersModel> {
  return trainingStateOf(model).networks;
}

function trainingStateOf(model: TganModel): TrainingState {
  const networks: Record<string, tf.LayersModel> = { generator: model.generator };
  if (model.averageGenerator !== undefined) networks['generatorAverage'] = model.averageGenerator;
  if (model.sentenceEncoder !== undefined) networks['encoder'] = model.sentenceEncoder;
  if (model.posterior !== undefined) networks['posterior'] = model.posterior;
  for (const d of model.discriminators) {
    networks[d.kind] = d.model;
    if (d.words !== undefined) networks[`${d.kind}Words`] = d.words;
  }
  const optimizers = Object.fromEntries(Object.entries(model.optimizers).filter((entry): entry is [string, tf.AdamOptimizer] => entry[1] !== undefined));
  return { networks, optimizers };
}

/** Saves the model at `model.step` with `state` (JSON) beside it; returns the checkpoint folder. */
export async function saveTganCheckpoint(store: CheckpointStore, model: TganModel, state: Record<string, unknown>): Promise<string> {
  const age = model.averageGenerator !== undefined ? { generatorAverageAge: model.generatorAverageAge } : {};
  return saveTrainingCheckpoint(store, model.step, trainingStateOf(model), { ...state, ...age });
}

/**
 * Puts a checkpoint's weights, optimiser state and step into `model` (built with the same args), and
 * returns the caller's state. Disposes the checkpoint's tensors.
 */
export async function restoreTganCheckpoint(checkpoint: LoadedCheckpoint, model: TganModel): Promise<Record<string, unknown>> {
  const { generatorAverageAge, ...state } = await restoreTrainingCheckpoint(checkpoint, trainingStateOf(model));
  if (typeof generatorAverageAge === 'number') model.generatorAverageAge = generatorAverageAge;
  model.step = checkpoint.step;
  return state;
}

/**
 * A warm start of `model` from another run's checkpoint (models/training/warmStart.ts). From a run that
 * kept no generator average, the average starts at the loaded generator, and is not reported missing;
 * a loaded average keeps its age (TganModel.generatorAverageAge: the checkpoint's step).
 */
export async function warmStartTgan(path: string, model: TganModel): Promise<WarmStartResult> {
  const warm = await warmStartNetworks(path, tganNetworks(model));
  // A loaded average has been updated for about as many steps as its run had.
  if (warm.loaded.includes('generatorAverage')) model.generatorAverageAge = warm.step;
  if (!warm.missing.includes('generatorAverage')) return warm;
  model.resetGeneratorAverage();
  return { ...warm, missing: warm.missing.filter((name) => name !== 'generatorAverage') };
}
