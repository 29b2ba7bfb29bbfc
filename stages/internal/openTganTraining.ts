/**
 * The body of the train-tganc stage (stages/train-tganc.ts describes it), loaded only when a DAG trains.
 */
import { resolve } from 'node:path';
import type { Sink } from '../../pipeline/core/StageType.ts';
import type { StageContext } from '../../pipeline/core/StageContext.ts';
import { StageError } from '../../pipeline/errors/StageError.ts';
import type { ClipBatch } from '../../datasets/batch.ts';
import { meanPixel, tanhBiasForMean } from '../../models/training/dataOutputBias.ts';
import { tganPreset } from '../../models/tganc/tganPresets.ts';
import { TganTrainer } from '../../models/tganc/TganTrainer.ts';
import type { TganStepResult } from '../../models/tganc/TganModel.ts';
import { warmUpWordClassifiers } from '../../models/tganc/wordWarmup.ts';
import { learningRateScale } from '../../models/training/learningRateSchedule.ts';
import { restoreTganCheckpoint, saveTganCheckpoint, warmStartTgan } from '../../models/tganc/tganCheckpoint.ts';
import { saveTganBundle } from '../../models/tganc/TganBundle.ts';
import { TrainingReporter, formatDuration } from '../../models/training/TrainingReporter.ts';
import type { TrainTgancConfig } from '../train-tganc.ts';
import { TganSnapshots } from './tganSnapshots.ts';
import { openTrainingInputs, openTrainingSink } from './trainingSink.ts';

/** The model part of the config: resuming with other values would not continue the same training. */
function modelConfigOf(c: TrainTgancConfig): Record<string, unknown> {
  const keys = ['preset', 'size', 'frames', 'gChannels', 'dChannels', 'noiseDim', 'sentenceDim', 'motion', 'temporalCoherence', 'learningRate', 'dLearningRate', 'learningRateDecay', 'realLabel', 'adversarialLoss', 'instanceNoise', 'instanceNoiseSteps', 'captionLength', 'encoder', 'minibatchStd', 'outputBias', 'wordLoss', 'wordClassifiers', 'wordWarmup', 'wordWarmupBatch', 'wordWarmupLearningRate', 'modeSeeking', 'reconstruction', 'kl', 'generatorAverage', 'spectralNorm', 'generator', 'spriteSize', 'spriteWords', 'pathWords', 'gUpsample', 'headConditioning', 'frameWords', 'videoWords', 'captionFreeHeads', 'initFrom', 'seed'] as const;
  // Settings at their defaults are left out, so a setting added later does not orphan older checkpoints.
  const isDefault = (k: (typeof keys)[number]) => c[k] === undefined || (k === 'realLabel' && c[k] === 1) || (k === 'adversarialLoss' && c[k] === 'bce') || (k === 'encoder' && c[k] === 'lstm') || (k === 'minibatchStd' && c[k] === false) || (k === 'instanceNoise' && c[k] === 0) || (k === 'instanceNoiseSteps' && c.instanceNoise === 0) || (k === 'dLearningRate' && c[k] === c.learningRate) || (k === 'learningRateDecay' && c[k] === 'none') || (k === 'wordLoss' && c[k] === 0) || (k === 'wordClassifiers' && (c.wordLoss === 0 || c[k].join() === 'video')) || (k === 'modeSeeking' && c[k] === 0) || (k === 'generatorAverage' && c[k] === 0) || (k === 'reconstruction' && c[k] === 0) || (k === 'spectralNorm' && c[k] === false) || (k === 'generator' && c[k] === 'conv3d') || ((k === 'spriteWords' || k === 'pathWords') && c[k].length === 0) || (k === 'spriteSize' && (c.generator !== 'sprite' || c[k] === 28)) || (k === 'gUpsample' && c[k] === 'transposed') || (k === 'headConditioning' && c[k] === 'concat') || (k === 'frameWords' && c[k].length === 0) || (k === 'videoWords' && c[k].length === 0) || (k === 'captionFreeHeads' && c[k].length === 0) || (k === 'initFrom' && c[k] === '') || (k === 'kl' && (c.reconstruction === 0 || c[k] === 0.01)) || (k.startsWith('wordWarmup') && c.wordWarmup === 0);
  return Object.fromEntries(keys.filter((k) => !isDefault(k)).map((k) => [k, c[k]]));
}

/** A word list naming a word the dataset's vocabulary lacks is the DAG's mistake, not a bug: say so by stage. */
function trainerOrStageError(context: StageContext, make: () => TganTrainer): TganTrainer {
  try {
    return make();
  } catch (error) {
    if (error instanceof RangeError && /not in the vocabulary/.test(error.message)) throw new StageError(context.stageId, `${error.message} (the dataset's captions never use it)`);
    throw error;
  }
}

export async function openTganTraining(c: TrainTgancConfig, context: StageContext): Promise<Sink<ClipBatch>> {
  const inputs = await openTrainingInputs(c, context, { model: 'TGANs-C' });
  const { backend, out, dataset, channels, vocabulary } = inputs;
  const preset = tganPreset(c.preset, c.size);
  const outputBias = c.outputBias === 'auto' ? tanhBiasForMean(await meanPixel(dataset)) : c.outputBias;
  const trainer = trainerOrStageError(context, () => new TganTrainer({
    model: {
      ...preset,
      frames: c.frames,
      size: c.size,
      channels,
      ...(c.gChannels ? { gChannels: c.gChannels } : {}),
      ...(c.dChannels ? { dChannels: c.dChannels } : {}),
      ...(c.noiseDim ? { noiseDim: c.noiseDim } : {}),
      ...(c.sentenceDim ? { sentenceDim: c.sentenceDim } : {}),
      useMotionDiscriminator: c.motion,
      minibatchStd: c.minibatchStd,
      spectralNorm: c.spectralNorm,
      generator: c.generator,
      ...(c.generator === 'sprite' ? { spriteSize: c.spriteSize } : {}),
      gUpsample: c.gUpsample,
      headConditioning: c.headConditioning,
      captionFreeHeads: c.captionFreeHeads,
      outputBias,
      ...(c.modeSeeking > 0 ? { modeSeekingWeight: c.modeSeeking } : {}),
      ...(c.generatorAverage > 0 ? { generatorAverage: c.generatorAverage } : {}),
      ...(c.reconstruction > 0 ? { reconstructionWeight: c.reconstruction, klWeight: c.kl } : {}),
      ...(c.wordLoss > 0 ? { wordLossWeight: c.wordLoss, wordClassifiers: c.wordClassifiers, warmupLearningRate: c.wordWarmupLearningRate } : {}),
      temporalCoherenceWeight: c.temporalCoherence,
      realLabel: c.realLabel,
      adversarialLoss: c.adversarialLoss,
      instanceNoise: c.instanceNoise,
      ...(c.instanceNoiseSteps !== undefined ? { instanceNoiseSteps: c.instanceNoiseSteps } : {}),
      seed: c.seed,
      learningRates: { generator: c.learningRate, video: c.dLearningRate ?? c.learningRate, frame: c.dLearningRate ?? c.learningRate, motion: c.dLearningRate ?? c.learningRate, encoder: c.dLearningRate ?? c.learningRate },
    },
    vocabulary,
    captionLength: c.captionLength,
    encoder: { kind: c.encoder },
    predictWords: c.wordLoss > 0,
    frameWords: c.frameWords,
    videoWords: c.videoWords,
    spriteWords: c.spriteWords,
    pathWords: c.pathWords,
  }));
  const describe = (result: TganStepResult) => `dLoss ${result.dLoss.toFixed(3)}  gLoss ${result.gLoss.toFixed(3)}`;

  return openTrainingSink(c, context, inputs, {
    model: trainer.model,
    modelConfig: modelConfigOf(c),
    staleOnFreshStart: ['samples', 'eval', 'eval.csv', 'best', 'model', 'loss.png'],
    restoreCheckpoint: (loaded) => restoreTganCheckpoint(loaded, trainer.model),
    saveCheckpoint: (store, state) => saveTganCheckpoint(store, trainer.model, state),
    async beforeFreshStart() {
      if (c.initFrom !== '') {
        const warm = await warmStartTgan(resolve(context.cwd, c.initFrom), trainer.model);
        context.log(`weights from ${warm.checkpoint} (step ${warm.step}): ${warm.loaded.join(', ')}${warm.missing.length > 0 ? `; initialised afresh: ${warm.missing.join(', ')}` : ''}`);
      }
      if (c.wordWarmup === 0) return;
      // Before the first checkpoint, so a run cut off here simply warms up again from the same seed.
      context.log(`word warm-up: ${c.wordWarmup} updates of ${c.wordWarmupBatch} clips`);
      const started = Date.now();
      const loss = await warmUpWordClassifiers(trainer, dataset, {
        rounds: c.wordWarmup,
        batch: c.wordWarmupBatch,
        seed: c.seed,
        onRound: (round, wordLoss) => {
          if (round % 50 === 0 || round === c.wordWarmup) {
            const perUpdate = (Date.now() - started) / 1000 / round;
            context.log(`word warm-up ${round}/${c.wordWarmup}  word loss ${wordLoss.toFixed(3)}  ${perUpdate.toFixed(2)} s/update  ETA ${formatDuration((c.wordWarmup - round) * perUpdate)}`);
          }
          context.progress({ done: 0, total: c.steps, note: `word warm-up ${round}/${c.wordWarmup}  word loss ${wordLoss.toFixed(3)}` });
        },
      });
      context.log(`word warm-up done: word loss ${loss.toFixed(3)} (mean of the last 50 updates)`);
    },
    openSnapshots: (resumedAt) => TganSnapshots.create({ out, dataset, trainer, config: c, evaluatorDir: c.evaluator ? resolve(context.cwd, c.evaluator) : undefined, resumedAt, log: (l) => context.log(l) }),
    openReporter: () => new TrainingReporter({ total: c.steps, every: c.logEvery, log: (l) => context.log(l), describe, final: (last) => ({ finalDLoss: last.dLoss, finalGLoss: last.gLoss }) }),
    evalEvery: c.evalEvery,
    training: { dataset: c.data, steps: c.steps, seed: c.seed, backend: backend.name, preset: c.preset, ...(c.initFrom !== '' ? { initFrom: c.initFrom } : {}) },
    trainStep: (clips) => {
      if (c.learningRateDecay !== 'none') trainer.model.setLearningRateScale(learningRateScale(c.learningRateDecay, trainer.model.step, c.steps));
      return trainer.trainStep(clips);
    },
    metricsRow: (step, result) => ({ step, dLoss: result.dLoss, gLoss: result.gLoss, ...result.parts }),
    describe,
    nonFinite: (result) => (Number.isFinite(result.dLoss) && Number.isFinite(result.gLoss) ? undefined : `dLoss ${result.dLoss}, gLoss ${result.gLoss}`),
    saveModel: (dir, extra) => saveTganBundle(dir, trainer, extra),
  });
}
