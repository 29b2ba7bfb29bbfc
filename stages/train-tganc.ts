import { join } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';
import { tganPreset, TGAN_PRESETS } from '../models/tganc/tganPresets.ts';
import { checkpointedRunFields, outputBiasField, trainingDataProblems } from './internal/trainingConfig.ts';
import { commaListOf } from './internal/schemas.ts';

const config = z
  .strictObject({
    /** The dataset folder the batches come from: its vocabulary, clip shape and captions (for samples). */
    data: z.string().min(1),
    /** Run folder: checkpoints/, metrics.csv, loss.png, samples/, eval.csv, model/ (and best/). */
    out: z.string().min(1),
    steps: z.number().int().min(1),
    /** Network sizes: `paper` (TGANs-C's channels), `small` (half: ~4x faster), `fast` (a quarter: ~2.5x faster again), `tiny` (tests). */
    preset: z.enum(TGAN_PRESETS).default('small'),
    size: z.number().int().min(8).default(48),
    frames: z.number().int().min(2).default(16),
    gChannels: z.array(z.number().int().min(1)).min(1).optional(),
    dChannels: z.array(z.number().int().min(1)).min(1).optional(),
    noiseDim: z.number().int().min(1).optional(),
    sentenceDim: z.number().int().min(1).optional(),
    /** The motion discriminator (TGANs-C's best variant); off trains only the video and frame ones. */
    motion: z.boolean().default(true),
    /** Minibatch standard deviation as one more discriminator input, against mode collapse. */
    minibatchStd: z.boolean().default(false),
    /**
     * The generator's starting output bias before tanh: 'auto' matches the mean pixel of the data (64
     * train clips; -1.8 for bouncing digits, whose frames are 97% black), a number sets it, 0 starts grey.
     */
    outputBias: outputBiasField,
    /**
     * The video discriminator also predicts the caption's words from the clip (learnt on real clips), and
     * the generator is trained to make clips it reads right (AC-GAN / TAC-GAN), with this weight (0: off).
     */
    wordLoss: z.number().min(0).default(0),
    /**
     * Which discriminators read the words (with wordLoss): a list, or the names comma-separated (a DAG
     * param); the frame discriminator is where a digit's shape is easiest to read, the video one its motion.
     */
    wordClassifiers: commaListOf(z.array(z.enum(['video', 'frame', 'motion'])).min(1)).default(['video']),
    /**
     * The words a single frame can show (a list, or comma-separated), e.g. the digits: the frame
     * discriminator then judges frames without the caption and its word classifier reads only these
     * words. A frame cannot show motion; told the motion words, it learns the training set's digit–motion
     * pairings and steers the generator away from unseen ones. Empty: the frame discriminator sees the caption.
     */
    frameWords: commaListOf(z.array(z.string().min(1))).default([]),
    /** The words the video discriminator's classifier reads (list or comma-separated; e.g. the motion words); empty: all. */
    videoWords: commaListOf(z.array(z.string().min(1))).default([]),
    /** Discriminators whose heads judge without the caption (list or comma-separated): the caption then reaches them only through their word classifiers. */
    captionFreeHeads: commaListOf(z.array(z.enum(['video', 'frame', 'motion']))).default([]),
    /**
     * Updates that teach the word classifiers on real clips before the GAN starts (with wordLoss): at GAN
     * batch sizes a discriminator learns to read the digit too slowly to guide the generator. 0: none.
     */
    wordWarmup: z.number().int().min(0).default(0),
    /** Clips per warm-up update (many different clips per update is what makes it fast). */
    wordWarmupBatch: z.number().int().min(1).default(32),
    wordWarmupLearningRate: z.number().positive().default(2e-3),
    /** Weight of a mode-seeking term (MSGAN: a second noise draw per caption should give another video); 0: off. */
    modeSeeking: z.number().min(0).default(0),
    /**
     * Decay of a moving average of the generator's weights, which samples, evaluations, `best/` and the
     * saved model use (e.g. 0.999: roughly the last 1,000 steps); steadier than the last step's weights. 0: off.
     */
    generatorAverage: z.number().min(0).lt(1).default(0),
    /**
     * Weight of a reconstruction loss (cVAE-GAN): an encoder reads each real clip's noise and the generator
     * redraws the clip from it and its caption; 0: off. `kl` pulls the encoder's noise towards the prior.
     */
    reconstruction: z.number().min(0).default(0),
    kl: z.number().min(0).default(0.01),
    /**
     * The generator: the paper's 3D convolutions ('conv3d'), or 'sprite': one sprite drawn by 2D
     * convolutions, moved along a path drawn by a second network (for one object moving over a black
     * background: what an object looks like is learned apart from how it moves, so it carries over to
     * motions it was never seen with).
     */
    generator: z.enum(['conv3d', 'sprite']).default('conv3d'),
    /** Sprite generator: the sprite's side in pixels (28: an MNIST digit); a multiple of 2, smaller than size. */
    spriteSize: z.number().int().min(2).default(28),
    /**
     * Sprite generator with encoder bow: the words its sprite stream reads (e.g. the digits: the sprite is
     * then the same whatever motion the caption names) and those its path stream reads (e.g. the motion
     * words); a list or comma-separated; empty: the whole caption.
     */
    spriteWords: commaListOf(z.array(z.string().min(1))).default([]),
    pathWords: commaListOf(z.array(z.string().min(1))).default([]),
    /** How the generator grows the clip: the paper's stride-2 transposed convolutions, or 'resize' (nearest upsampling + conv: no checkerboards). */
    gUpsample: z.enum(['transposed', 'resize']).default('transposed'),
    /** How the discriminators' heads join the caption: the paper's concatenation, or a projection (Miyato & Koyama 2018). */
    headConditioning: z.enum(['concat', 'projection']).default('concat'),
    /** Spectrally normalised discriminator convolutions, without batch norm (pairs with adversarialLoss: hinge). */
    spectralNorm: z.boolean().default(false),
    /** Weight of the temporal-coherence loss (0: off). */
    temporalCoherence: z.number().min(0).default(0),
    learningRate: z.number().positive().default(2e-4),
    /** Discriminators' (and the sentence encoder's) learning rate; default `learningRate`. */
    dLearningRate: z.number().positive().optional(),
    /**
     * 'linear': every learning rate falls linearly from its setting at step 0 to 0 at `steps` (GANs circle
     * around a good point at a fixed rate; a falling one lets them settle). 'none': constant.
     */
    learningRateDecay: z.enum(['none', 'linear']).default('none'),
    /** The adversarial loss: 'bce' (sigmoid cross-entropy) or 'hinge' (no gradient beyond a margin; realLabel must stay 1). */
    adversarialLoss: z.enum(['bce', 'hinge']).default('bce'),
    /** Discriminators' target for real pairs: 1, or 0.9 for one-sided label smoothing. */
    realLabel: z.number().gt(0.5).max(1).default(1),
    /** Instance noise σ on every clip the discriminators see (0: off), fading to 0 at `instanceNoiseSteps`. */
    instanceNoise: z.number().min(0).max(2).default(0),
    instanceNoiseSteps: z.number().int().min(1).optional(),
    captionLength: z.number().int().min(1).max(64).default(12),
    /** Sentence encoder: TGANs-C's bi-LSTM trained with the discriminators, or a fixed bag of words. */
    encoder: z.enum(['lstm', 'bow']).default('lstm'),
    ...checkpointedRunFields,
    /**
     * Start from another run's weights: a checkpoint folder (…/checkpoints/step-NNNNNNNN) or a run folder
     * (its newest checkpoint); the networks must have the same architecture, the losses may differ.
     * Optimisers and the step count start afresh. '' (default): from the seeded initialisation.
     */
    initFrom: z.string().default(''),
    /** Captions in the sample grid from each of the train (seen) and val (unseen) splits. */
    sampleCaptions: z.number().int().min(1).default(4),
    samplesPerCaption: z.number().int().min(1).default(3),
    /** A digit evaluator folder (models/eval); '' turns evaluation off. */
    evaluator: z.string().default(''),
    /** Evaluate every N steps (0: only at the end); the best unseen score is kept as `best/`. */
    evalEvery: z.number().int().min(0).default(0),
    evalPerCaption: z.number().int().min(1).default(4),
    logEvery: z.number().int().min(1).default(10),
  })
  .superRefine((c, ctx) => {
    if (c.adversarialLoss === 'hinge' && c.realLabel !== 1) {
      ctx.addIssue({ code: 'custom', path: ['realLabel'], message: `realLabel ${c.realLabel} is for the bce loss; the hinge loss has its margin instead (leave realLabel at 1)` });
    }
    const preset = tganPreset(c.preset, c.size);
    const stages = Math.max((c.gChannels ?? preset.gChannels).length, (c.dChannels ?? preset.dChannels).length);
    if (c.size % 2 ** stages !== 0) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: `size must be a multiple of ${2 ** stages} (one halving per network stage), got ${c.size}` });
    }
    if (c.generator === 'sprite' && !(c.spriteSize < c.size && c.spriteSize % 2 === 0)) {
      ctx.addIssue({ code: 'custom', path: ['spriteSize'], message: `spriteSize must be even and smaller than size (${c.size}) so the sprite can move, got ${c.spriteSize}` });
    }
    for (const key of ['spriteWords', 'pathWords'] as const) {
      if (c[key].length > 0 && (c.generator !== 'sprite' || c.encoder !== 'bow')) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} is for generator: sprite with encoder: bow (a sentence vector with an entry per word)` });
      }
    }
    if (c.wordWarmup > 0 && c.wordLoss === 0) {
      ctx.addIssue({ code: 'custom', path: ['wordWarmup'], message: 'wordWarmup teaches the word classifiers: set wordLoss above 0 too' });
    }
    if (c.evalEvery > 0 && c.evalEvery % c.checkpointEvery !== 0) {
      // Evaluating only at checkpoints keeps `best/` and eval.csv exact across a resume.
      ctx.addIssue({ code: 'custom', path: ['evalEvery'], message: `evalEvery must be a multiple of checkpointEvery (${c.checkpointEvery}), got ${c.evalEvery}` });
    }
  });

export type TrainTgancConfig = z.infer<typeof config>;

/**
 * Trains TGANs-C on the batches it is given: one D and one G step per batch, metrics.csv every step,
 * checkpoints (weights, Adam state, step) every `checkpointEvery`, samples and a loss plot every
 * `sampleEvery`, evaluation every `evalEvery`; at `steps` it stops its upstreams and writes `model/`.
 * With `resume`, it loads the newest checkpoint and skips the batches that checkpoint had seen: the
 * stream is deterministic by seed, so the run ends with the same files as one never interrupted.
 */
export const trainTgancStage = defineSink({
  name: 'train-tganc',
  description: 'Train a TGANs-C text-to-video GAN on clip batches; checkpoints, metrics, samples, resume.',
  version: 1,
  kind: 'sink',
  input: 'ClipBatch',
  maxConcurrency: 1,
  config,
  outputs: (c) => [c.out],
  inputs: (c) => [join(c.data, 'dataset.json'), join(c.data, 'vocabulary.json'), ...(c.evaluator ? [c.evaluator] : [])],
  check: (c, { cwd }) => trainingDataProblems(c, cwd),
  async open(c, context) {
    // TensorFlow.js loads only when a DAG trains (it adds ~1 s to every CLI start otherwise).
    const { openTganTraining } = await import('./internal/openTganTraining.ts');
    return openTganTraining(c, context);
  },
});
