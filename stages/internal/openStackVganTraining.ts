/**
 * The body of the train-stackvgan stage (stages/train-stackvgan.ts describes it), loaded only when a DAG
 * trains. What every training stage shares (checkpoints, resume, metrics, samples, progress, `model/`)
 * is in trainingSink.ts; this file builds the two-stage model (with its word vectors) and says how it
 * trains, saves and reports.
 */
import { resolve } from 'node:path';
import type { Sink } from '../../pipeline/core/StageType.ts';
import type { StageContext } from '../../pipeline/core/StageContext.ts';
import type { ClipBatch } from '../../datasets/batch.ts';
import { meanPixel, tanhBiasForMean } from '../../models/training/dataOutputBias.ts';
import type { MetricsRow } from '../../models/training/MetricsLog.ts';
import { stackVganPreset } from '../../models/stackvgan/stackVganPresets.ts';
import { StackVganTrainer } from '../../models/stackvgan/StackVganTrainer.ts';
import { STACKVGAN_LOSSES, type StackVganStepResult } from '../../models/stackvgan/StackVganModel.ts';
import { restoreStackVganCheckpoint, saveStackVganCheckpoint } from '../../models/stackvgan/stackVganCheckpoint.ts';
import { saveStackVganBundle } from '../../models/stackvgan/StackVganBundle.ts';
import { randomWordTable, readWordTable } from '../../models/stackvgan/wordTable.ts';
import type { TrainStackVganConfig } from '../train-stackvgan.ts';
import { StackVganSnapshots, describe, stackVganReporter } from './stackVganSnapshots.ts';
import { openTrainingInputs, openTrainingSink } from './trainingSink.ts';

/** The model part of the config: resuming with other values would not continue the same training. */
function modelConfigOf(c: TrainStackVganConfig): Record<string, unknown> {
  const keys = [
    'preset', 'size', 'frames', 'captionLength', 'vectors', 'wordDim', 'textSteps', 'textLearningRate', 'learningRate', 'dLearningRate',
    'klWeight', 'vaeKlWeight', 'maskWeight', 'stage2Input', 'realLabel', 'outputBias', 'maskBias', 'seed',
  ] as const;
  return Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
}

/** A metrics row: every loss column every step (NaN where this step's phase has none), so the CSV keeps them all. */
function metricsRow(step: number, result: StackVganStepResult): MetricsRow {
  const row: MetricsRow = { step };
  for (const name of STACKVGAN_LOSSES) row[name] = result.losses[name] ?? NaN;
  return row;
}

export async function openStackVganTraining(c: TrainStackVganConfig, context: StageContext): Promise<Sink<ClipBatch>> {
  const inputs = await openTrainingInputs(c, context, { model: 'the model', frames: c.frames });
  const { backend, out, dataset, channels, vocabulary } = inputs;
  const wordTable = c.vectors ? await readWordTable(resolve(context.cwd, c.vectors), vocabulary, c.wordDim) : randomWordTable(vocabulary, c.wordDim, c.seed);
  context.log(
    c.vectors
      ? `word vectors: ${c.vectors} (${wordTable.coverage.found} of ${wordTable.coverage.words} words found; the others are zero rows)`
      : `word vectors: seeded random unit vectors of ${c.wordDim} dimensions (a stand-in: no \`vectors\` file given)`,
  );
  const outputBias = c.outputBias === 'auto' ? tanhBiasForMean(await meanPixel(dataset)) : c.outputBias;
  const dLearningRate = c.dLearningRate ?? c.learningRate;
  const trainer = new StackVganTrainer({
    model: {
      ...stackVganPreset(c.preset),
      frames: c.frames,
      size: c.size,
      channels,
      captionLength: c.captionLength,
      wordDim: c.wordDim,
      seed: c.seed,
      outputBias,
      maskBias: c.maskBias,
      textSteps: c.textSteps,
      learningRates: { text: c.textLearningRate, image: c.learningRate, imageDiscriminator: dLearningRate, video: c.learningRate, videoDiscriminator: dLearningRate },
      klWeight: c.klWeight,
      vaeKlWeight: c.vaeKlWeight,
      maskWeight: c.maskWeight,
      realLabel: c.realLabel,
      stage2Input: c.stage2Input,
    },
    vocabulary,
    wordTable,
  });

  return openTrainingSink(c, context, inputs, {
    model: trainer.model,
    modelConfig: modelConfigOf(c),
    staleOnFreshStart: ['samples', 'model', 'loss.png'],
    // Another preset's networks would not even load: the config is compared before the weights are touched.
    compareConfigBeforeRestore: true,
    restoreCheckpoint: (loaded) => restoreStackVganCheckpoint(loaded, trainer.model),
    saveCheckpoint: (store, state) => saveStackVganCheckpoint(store, trainer.model, state),
    openSnapshots: () => StackVganSnapshots.create({ out, dataset, trainer, config: c }),
    openReporter: () => stackVganReporter({ total: c.steps, every: c.logEvery, log: (l) => context.log(l) }),
    training: { dataset: c.data, steps: c.steps, seed: c.seed, backend: backend.name, preset: c.preset, frames: c.frames, size: c.size, textSteps: c.textSteps, vectors: c.vectors || 'random' },
    trainStep: (clips) => trainer.trainStep(clips),
    metricsRow,
    describe,
    nonFinite: (result) => (Object.values(result.losses).some((v) => !Number.isFinite(v)) ? describe(result) : undefined),
    saveModel: (dir, extra) => saveStackVganBundle(dir, trainer, extra),
  });
}
