import { join } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';
import { STACKVGAN_PRESETS, stackVganPresetSizeFactor } from '../models/stackvgan/stackVganPresets.ts';
import { checkpointedRunFields, outputBiasField, trainingDataProblems } from './internal/trainingConfig.ts';

const config = z
  .strictObject({
    /** The dataset folder the batches come from: its vocabulary, clip shape and the clips samples show. */
    data: z.string().min(1),
    /** Run folder: checkpoints/, metrics.csv, loss.png, samples/, model/. */
    out: z.string().min(1),
    steps: z.number().int().min(1),
    /** Network widths: `default`, `small` (about half), `tiny` (tests). */
    preset: z.enum(STACKVGAN_PRESETS).default('default'),
    /** Image and frame size (StackGAN-I: 64; TGANs-C: 48). */
    size: z.number().int().min(8).default(48),
    /** Frames of each generated video (the first `frames` of each clip are the real videos). */
    frames: z.number().int().min(2).default(16),
    /** Tokens per caption the VAE reads (padded with zero vectors / cut). */
    captionLength: z.number().int().min(1).max(64).default(25),
    /**
     * A word-vectors file (fastText .vec / GloVe .txt, optionally .gz); '' (default): seeded random unit
     * vectors per word, a stand-in that carries no meaning (see models/stackvgan/wordTable.ts).
     */
    vectors: z.string().default(''),
    /** The word-vector size: the file's, or the random stand-ins'. */
    wordDim: z.number().int().min(1).default(32),
    /** Steps of the text phase (VAE + Siamese joint embedding) before the GANs train; the text side is then frozen. */
    textSteps: z.number().int().min(0).default(200),
    /** Adam learning rate of the text side. */
    textLearningRate: z.number().positive().default(1e-3),
    /** Adam learning rate of both generators. */
    learningRate: z.number().positive().default(2e-4),
    /** Adam learning rate of both discriminators; default `learningRate`. */
    dLearningRate: z.number().positive().optional(),
    /** Weight of conditioning augmentation's KL in Stage-I's generator loss (StackGAN: 2). */
    klWeight: z.number().min(0).default(2),
    /** Weight of the VAE's KL term (1: the ELBO). */
    vaeKlWeight: z.number().min(0).default(1),
    /** Weight of the mask's L1 penalty in Stage-II's generator loss (VGAN: 0.1). */
    maskWeight: z.number().min(0).default(0.1),
    /** What Stage-II animates while training: the real first frame, or this step's Stage-I sample. */
    stage2Input: z.enum(['real', 'stage1']).default('real'),
    /** The discriminators' target for (real, right caption) pairs: 1, or 0.9 for one-sided smoothing. */
    realLabel: z.number().gt(0.5).max(1).default(1),
    /** Stage-I's output bias before tanh at the start: 'auto' matches the data's mean pixel, a number sets it. */
    outputBias: outputBiasField,
    /** Stage-II's mask bias before the sigmoid at the start (0: mask 0.5; negative: the video starts as the still image). */
    maskBias: z.number().min(-10).max(10).default(0),
    ...checkpointedRunFields,
    /** Clips the samples show, from each of the train (seen) and val (unseen) splits. */
    sampleClips: z.number().int().min(1).default(4),
    logEvery: z.number().int().min(1).default(10),
  })
  .superRefine((c, ctx) => {
    const factor = stackVganPresetSizeFactor(c.preset);
    if (c.size % factor !== 0) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: `size must be a multiple of ${factor} (one halving per network stage of preset ${c.preset}), got ${c.size}` });
    }
  });

export type TrainStackVganConfig = z.infer<typeof config>;

/**
 * Trains the two-stage generator StackGAN-I -> VGAN (models/stackvgan) on the batches it is given:
 * `textSteps` steps of the text side (a VAE over the captions' word vectors and a Siamese text/frame joint
 * embedding), then, with the text side frozen, both GANs every step: Stage-I text -> first frame with
 * conditioning augmentation, Stage-II first frame -> video, each against a matching-aware discriminator.
 * metrics.csv every step, checkpoints (every network, every Adam, step) every `checkpointEvery`, sample
 * grids and a loss plot every `sampleEvery`; at `steps` it stops its upstreams and writes `model/`. With
 * `resume` it loads the newest checkpoint and skips the batches that checkpoint had seen: the run ends
 * with the same files as one never interrupted.
 */
export const trainStackVganStage = defineSink({
  name: 'train-stackvgan',
  description: 'Train the two-stage StackGAN-I -> VGAN generator (text -> image -> video) on clip batches; checkpoints, metrics, samples, resume.',
  version: 1,
  kind: 'sink',
  input: 'ClipBatch',
  maxConcurrency: 1,
  config,
  outputs: (c) => [c.out],
  inputs: (c) => [join(c.data, 'dataset.json'), join(c.data, 'vocabulary.json'), ...(c.vectors ? [c.vectors] : [])],
  check: (c, { cwd }) => trainingDataProblems(c, cwd, 'the model'),
  async open(c, context) {
    // TensorFlow.js loads only when a DAG trains.
    const { openStackVganTraining } = await import('./internal/openStackVganTraining.ts');
    return openStackVganTraining(c, context);
  },
});
