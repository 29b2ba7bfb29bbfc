import { z } from 'zod';
import { defineTransform } from '../pipeline/core/StageType.ts';
import { BACKEND_CHOICES } from '../models/backend/backendChoices.ts';

const config = z.strictObject({
  /** A model folder (t2v-model.json), e.g. a training run's `model/` or `best/`, or models/pretrained/…. */
  model: z.string().min(1),
  perCaption: z.number().int().min(1).default(1),
  seed: z.number().int().min(0).default(0),
  /** Captions' videos generated together in one pass. */
  batch: z.number().int().min(1).max(256).default(16),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  /**
   * Words the model's vocabulary lacks: `unk` warns (naming them) and generates with `<unk>`; `skip`
   * warns and makes no video; `fail` stops the run.
   */
  onUnknown: z.enum(['unk', 'skip', 'fail']).default('unk'),
  /** A folder of videos (write-videos' `out`): the videos its manifest lists are not made again. */
  done: z.string().optional(),
});

export type GenerateVideosConfig = z.infer<typeof config>;

/**
 * Captions -> videos with a trained model: `perCaption` videos per caption, each seeded by (seed,
 * caption number, copy) so any one video can be made again alone. Captions are gathered into batches of
 * `batch`; the stage emits one video at a time and waits whenever the encoders downstream are behind.
 */
export const generateVideosStage = defineTransform({
  name: 'generate-videos',
  description: 'Generate videos for captions with a trained model (batched, seeded, resumable).',
  version: 1,
  kind: 'transform',
  input: 'Caption',
  output: 'Clip',
  maxConcurrency: 1,
  config,
  inputs: (c) => [c.model],
  async open(c, context) {
    // TensorFlow.js loads only when a DAG generates.
    const { openVideoGenerator } = await import('./internal/openVideoGenerator.ts');
    return openVideoGenerator(c, context);
  },
});
