/**
 * The body of the train-unet stage (stages/train-unet.ts describes it), loaded only when a DAG trains.
 * What every training stage shares (checkpoints, resume, metrics, samples, progress, `model/`) is in
 * trainingSink.ts; this file builds the U-Net and says how it trains, saves and reports.
 */
import type { Sink } from '../../pipeline/core/StageType.ts';
import type { StageContext } from '../../pipeline/core/StageContext.ts';
import type { ClipBatch } from '../../datasets/batch.ts';
import { meanPixel, tanhBiasForMean } from '../../models/training/dataOutputBias.ts';
import type { MetricsRow } from '../../models/training/MetricsLog.ts';
import { unetPreset } from '../../models/unet/unetPresets.ts';
import { UnetTrainer } from '../../models/unet/UnetTrainer.ts';
import type { UnetStepResult } from '../../models/unet/UnetModel.ts';
import { restoreUnetCheckpoint, saveUnetCheckpoint } from '../../models/unet/unetCheckpoint.ts';
import { saveUnetBundle } from '../../models/unet/UnetBundle.ts';
import type { TrainUnetConfig } from '../train-unet.ts';
import { UnetSnapshots, describe, unetReporter } from './unetSnapshots.ts';
import { openTrainingInputs, openTrainingSink } from './trainingSink.ts';

/** The model part of the config: resuming with other values would not continue the same training. */
function modelConfigOf(c: TrainUnetConfig): Record<string, unknown> {
  const keys = ['preset', 'size', 'frames', 'window', 'conditionDim', 'captionLength', 'outputBias', 'learningRate', 'dLearningRate', 'mseWeight', 'advWeight', 'adversarialFrom', 'realLabel', 'seed'] as const;
  return Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
}

/** A metrics row: the same columns every step (NaN where a phase has no such loss), so the CSV keeps them all. */
function metricsRow(step: number, result: UnetStepResult, adversarial: boolean): MetricsRow {
  const row: MetricsRow = { step, loss: result.loss, mse: result.mse };
  if (adversarial) {
    for (const name of ['adversarial', 'dLoss', 'dReal', 'dFake', 'dWrong'] as const) row[name] = result[name] ?? NaN;
  }
  return row;
}

export async function openUnetTraining(c: TrainUnetConfig, context: StageContext): Promise<Sink<ClipBatch>> {
  const inputs = await openTrainingInputs(c, context, { model: 'the U-Net', frames: c.frames });
  const { backend, out, dataset, channels, vocabulary } = inputs;
  const outputBias = c.outputBias === 'auto' ? tanhBiasForMean(await meanPixel(dataset)) : c.outputBias;
  const preset = unetPreset(c.preset);
  const { conditionDim: presetConditionDim, ...networks } = preset;
  const conditionDim = c.conditionDim ?? presetConditionDim;
  const trainer = new UnetTrainer({
    model: {
      ...networks,
      ...(conditionDim !== undefined && conditionDim > 0 ? { conditionDim } : {}),
      frames: c.window,
      size: c.size,
      channels,
      seed: c.seed,
      outputBias,
      learningRates: { predictor: c.learningRate, discriminator: c.dLearningRate ?? c.learningRate },
      mseWeight: c.mseWeight,
      advWeight: c.advWeight,
      adversarialFromStep: c.adversarialFrom,
      realLabel: c.realLabel,
    },
    vocabulary,
    captionLength: c.captionLength,
    clipFrames: c.frames,
  });

  return openTrainingSink(c, context, inputs, {
    model: trainer.model,
    modelConfig: modelConfigOf(c),
    staleOnFreshStart: ['samples', 'model', 'loss.png'],
    restoreCheckpoint: (loaded) => restoreUnetCheckpoint(loaded, trainer.model, { encoder: trainer.encoder }),
    saveCheckpoint: (store, state) => saveUnetCheckpoint(store, trainer.model, state, { encoder: trainer.encoder }),
    openSnapshots: () => UnetSnapshots.create({ out, dataset, trainer, config: c }),
    openReporter: () => unetReporter({ total: c.steps, every: c.logEvery, log: (l) => context.log(l) }),
    training: { dataset: c.data, steps: c.steps, seed: c.seed, backend: backend.name, preset: c.preset, frames: c.frames },
    trainStep: (clips) => trainer.trainStep(clips),
    metricsRow: (step, result) => metricsRow(step, result, c.advWeight > 0),
    describe,
    nonFinite: (result) => (!Number.isFinite(result.loss) || (result.dLoss !== undefined && !Number.isFinite(result.dLoss)) ? describe(result) : undefined),
    saveModel: (dir, extra) => saveUnetBundle(dir, trainer, extra),
  });
}
