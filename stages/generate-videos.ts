import { z } from 'zod';
import { defineTransform } from '../pipeline/core/StageType.ts';
import { BACKEND_CHOICES } from '../models/backend/backendChoices.ts';

const config = z.strictObject({
  /** A model folder (t2v-model.json), e.g. a training run's `model/` or `best/`, or models/pretrained/…. */
  model: z.string().min(1),
  perCaption: z.number().int().min(1).default(1),
  seed: z.number().int().min(0).default(0),
  /**
   * ψ in (0, 1]: noise drawn nearer 0 (times ψ) gives more typical videos, less diverse (the truncation
   * trick; models/generation/truncation.ts). 1: the noise of training. tganc and stackvgan models.
   */
  truncation: z.number().gt(0).max(1).default(1),
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
  /**
   * When `done` holds videos of another generation (another model, seed or first frames): false stops
   * with an error; true removes those videos and their manifest and makes the folder afresh.
   */
  replace: z.boolean().default(false),
  /**
   * U-Net models only (they roll videos out from first frames): `IMAGE.png` (one picture repeated over
   * the window), `dataset:DIR#CLIP_ID` or `CLIP_ID` (a clip of `data`), `dataset:DIR`, or empty: a clip
   * of `data` (else the model's training dataset) with the video's caption, picked by the video's seed.
   */
  firstFrame: z.string().default(''),
  /** U-Net models only: the dataset first-frame clips come from; empty: the one the model was trained on. */
  data: z.string().default(''),
});

export type GenerateVideosConfig = z.infer<typeof config>;

/**
 * Captions -> videos with a trained model (t2v-model.json kind `tganc` or `unet`): `perCaption` videos
 * per caption, each seeded by (seed, caption number, copy) so any one video can be made again alone (a
 * U-Net's seed picks its first-frame clip). Captions are gathered into batches of
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
  inputs: (c) => [c.model, ...(c.data ? [c.data] : []), ...firstFrameInputs(c.firstFrame)],
  async open(c, context) {
    // TensorFlow.js loads only when a DAG generates.
    const { openVideoGenerator } = await import('./internal/openVideoGenerator.ts');
    return openVideoGenerator(c, context);
  },
});

/** The files a `firstFrame` value reads (an image, or the dataset of `dataset:DIR#CLIP_ID`), for the run's input stamp. */
function firstFrameInputs(firstFrame: string): string[] {
  if (/\.png$/i.test(firstFrame.trim())) return [firstFrame.trim()];
  const dataset = /^dataset:([^#]+)/.exec(firstFrame.trim());
  return dataset ? [dataset[1]!] : [];
}
