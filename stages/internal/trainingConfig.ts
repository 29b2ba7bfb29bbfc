/**
 * Config fields the training stages (train-tganc, train-unet, train-stackvgan) share, spread into each
 * stage's strictObject at the same place, so every key keeps its position, default and message.
 * No TensorFlow.js here: the stage definitions import it at every CLI start.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { StageCheckProblem } from '../../pipeline/core/StageType.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { BACKEND_CHOICES } from '../../models/backend/backendChoices.ts';
import { geometryMismatch } from '../../models/training/videoGeometry.ts';

/** Backend, seed, resume, checkpoints and sampling: what trainingSink.ts reads. */
export const checkpointedRunFields = {
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  seed: z.number().int().min(0).default(0),
  /** Continue from the newest checkpoint in `out` (its config must match). */
  resume: z.boolean().default(false),
  checkpointEvery: z.number().int().min(1).default(100),
  keep: z.number().int().min(1).default(3),
  /** Sample grid GIF and loss plot every N steps (0: only at the end). */
  sampleEvery: z.number().int().min(0).default(100),
};

/** The generator's starting output bias before tanh: 'auto' (the data's mean pixel) or a number from -5 to 5. */
export const outputBiasField = z
  .preprocess(
    // A DAG param defaulting to 'auto' passes --set values through as text.
    (v) => (typeof v === 'string' && v !== 'auto' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
    z.union([z.literal('auto'), z.number().min(-5).max(5)], { error: "outputBias must be 'auto' or a number from -5 to 5" }),
  )
  .default('auto');

/**
 * A training stage's check: the dataset's clips against `frames` and `size`; with `model`, also that
 * they have 1 or 3 channels (the message names the model). A dataset not there yet is no problem.
 */
export async function trainingDataProblems(c: { data: string; frames: number; size: number }, cwd: string, model?: string): Promise<StageCheckProblem[]> {
  const dataset = await Dataset.open(resolve(cwd, c.data)).catch(() => undefined);
  if (dataset === undefined) return []; // made by an upstream stage, or missing: read-shards reports it
  const channels = dataset.meta.shape[3]!;
  if (model !== undefined && channels !== 1 && channels !== 3) return [{ path: ['data'], message: `clips have ${channels} channels; ${model} takes 1 or 3 (dataset ${c.data})` }];
  const problem = geometryMismatch(dataset.meta.shape, { frames: c.frames, size: c.size, channels });
  return problem === undefined ? [] : [{ path: ['frames'], message: `${problem} (dataset ${c.data})` }];
}
