import { join } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';
import { UNET_PRESETS, unetSizeFactor } from '../models/unet/unetPresets.ts';
import { checkpointedRunFields, outputBiasField, trainingDataProblems } from './internal/trainingConfig.ts';

const config = z
  .strictObject({
    /** The dataset folder the batches come from: its vocabulary, clip shape and the clips samples start from. */
    data: z.string().min(1),
    /** Run folder: checkpoints/, metrics.csv, loss.png, samples/, model/. */
    out: z.string().min(1),
    steps: z.number().int().min(1),
    /** Network widths: `default` (encoder 32…256), `small` (half), `tiny` (tests). */
    preset: z.enum(UNET_PRESETS).default('default'),
    size: z.number().int().min(8).default(64),
    /** Frames of each clip used: training windows are cut from the first `frames`; samples are this long. */
    frames: z.number().int().min(2).default(16),
    /** d: the frames the predictor sees; `frames` must be at least window + 1. */
    window: z.number().int().min(1).default(10),
    /** The sentence (a bag of words over the vocabulary) is projected to this many features; 0 joins it raw. */
    conditionDim: z.number().int().min(0).optional(),
    captionLength: z.number().int().min(1).max(64).default(12),
    /**
     * The output bias before tanh at the start: 'auto' matches the data's mean pixel (64 train clips; black
     * backgrounds), a number sets it, 0 starts grey.
     */
    outputBias: outputBiasField,
    /** The predictor's Adam learning rate. */
    learningRate: z.number().positive().default(2e-4),
    /** The discriminator's learning rate; default `learningRate`. */
    dLearningRate: z.number().positive().optional(),
    /** Weight of the MSE against the true next frame. */
    mseWeight: z.number().min(0).default(1),
    /** Weight of the adversarial loss (a caption-conditioned frame discriminator); 0: MSE only. */
    advWeight: z.number().min(0).default(0),
    /** Steps of MSE only before the adversarial phase (with advWeight > 0); 0: adversarial from the first step. */
    adversarialFrom: z.number().int().min(0).default(0),
    /** The discriminator's target for (real, right caption) pairs: 1, or 0.9 for one-sided label smoothing. */
    realLabel: z.number().gt(0.5).max(1).default(1),
    ...checkpointedRunFields,
    /** Clips the samples start from, from each of the train (seen) and val (unseen) splits. */
    sampleClips: z.number().int().min(1).default(4),
    logEvery: z.number().int().min(1).default(10),
  })
  .superRefine((c, ctx) => {
    if (c.frames < c.window + 1) {
      ctx.addIssue({ code: 'custom', path: ['frames'], message: `frames must be at least window + 1 (${c.window + 1}: a window and the frame after it), got ${c.frames}` });
    }
    const factor = unetSizeFactor(c.preset);
    if (c.size % factor !== 0) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: `size must be a multiple of ${factor} (one halving per network stage of preset ${c.preset}), got ${c.size}` });
    }
    if (c.mseWeight === 0 && c.advWeight === 0) {
      ctx.addIssue({ code: 'custom', path: ['mseWeight'], message: 'mseWeight and advWeight cannot both be 0 (nothing to train on)' });
    }
  });

export type TrainUnetConfig = z.infer<typeof config>;

/**
 * Trains the text-conditioned U-Net next-frame predictor (models/unet) on the batches it is given: each
 * clip gives a window of `window` frames and the frame after it, at a start drawn from (seed, step, clip);
 * captions enter as a bag of words. MSE for `adversarialFrom` steps, then (advWeight > 0) a
 * caption-conditioned frame discriminator too. metrics.csv every step, checkpoints (weights, Adam state,
 * step) every `checkpointEvery`, rolled-out samples and a loss plot every `sampleEvery`; at `steps` it
 * stops its upstreams and writes `model/`. With `resume` it loads the newest checkpoint and skips the
 * batches that checkpoint had seen: the run ends with the same files as one never interrupted.
 */
export const trainUnetStage = defineSink({
  name: 'train-unet',
  description: 'Train a text-conditioned U-Net next-frame predictor on clip batches; checkpoints, metrics, samples, resume.',
  version: 1,
  kind: 'sink',
  input: 'ClipBatch',
  maxConcurrency: 1,
  config,
  outputs: (c) => [c.out],
  inputs: (c) => [join(c.data, 'dataset.json'), join(c.data, 'vocabulary.json')],
  check: (c, { cwd }) => trainingDataProblems(c, cwd, 'the U-Net'),
  async open(c, context) {
    // TensorFlow.js loads only when a DAG trains.
    const { openUnetTraining } = await import('./internal/openUnetTraining.ts');
    return openUnetTraining(c, context);
  },
});
