/**
 * The body of the train-unet stage (stages/train-unet.ts describes it), loaded only when a DAG trains.
 * The same shape as openTganTraining: backend, dataset and vocabulary, trainer, checkpoints (refusing to
 * overwrite without `resume`, refusing a resume with another config), metrics, samples, progress, and
 * `model/` at the end.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Sink } from '../../pipeline/core/StageType.ts';
import type { StageContext } from '../../pipeline/core/StageContext.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import type { ClipBatch } from '../../datasets/batch.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { loadVocabulary } from '../../text/Vocabulary.ts';
import { selectBackend } from '../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../models/kernels/registerKernelFixes.ts';
import { meanPixel, tanhBiasForMean } from '../../models/training/dataOutputBias.ts';
import { CheckpointStore } from '../../models/training/CheckpointStore.ts';
import { MetricsLog, type MetricsRow } from '../../models/training/MetricsLog.ts';
import { unetPreset } from '../../models/unet/unetPresets.ts';
import { UnetTrainer } from '../../models/unet/UnetTrainer.ts';
import type { UnetStepResult } from '../../models/unet/UnetModel.ts';
import { restoreUnetCheckpoint, saveUnetCheckpoint } from '../../models/unet/unetCheckpoint.ts';
import { saveUnetBundle } from '../../models/unet/UnetBundle.ts';
import type { TrainUnetConfig } from '../train-unet.ts';
import { UnetReporter, UnetSnapshots, describe } from './unetSnapshots.ts';

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
  const backend = await selectBackend(c.backend, { log: (line) => context.log(line) });
  registerKernelFixes();
  const data = resolve(context.cwd, c.data);
  const out = resolve(context.cwd, c.out);
  const dataset = await Dataset.open(data);
  const channels = dataset.meta.shape[3]!;
  if (channels !== 1 && channels !== 3) throw new UsageError(`${c.data}: clips have ${channels} channels; the U-Net takes 1 or 3`);
  if (dataset.meta.shape[0]! < c.frames) throw new UsageError(`${c.data}: clips have ${dataset.meta.shape[0]} frames; the stage takes ${c.frames}`);
  const vocabulary = await loadVocabulary(join(data, 'vocabulary.json'));
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
  context.onAbort(() => trainer.model.dispose());

  const store = new CheckpointStore(join(out, 'checkpoints'), c.keep);
  const latest = await store.latest();
  const modelConfig = modelConfigOf(c);
  if (latest !== undefined && !c.resume) {
    trainer.model.dispose();
    throw new UsageError(`${c.out} already holds checkpoints up to step ${latest}: run with --resume to continue, or choose another \`out\``);
  }
  if (latest !== undefined) {
    const state = await restoreUnetCheckpoint(await store.load(latest), trainer.model, { encoder: trainer.encoder });
    if (JSON.stringify(state['config']) !== JSON.stringify(modelConfig)) {
      trainer.model.dispose();
      throw new UsageError(`${c.out}: the checkpoint at step ${latest} was trained with another config (${JSON.stringify(state['config'])}); resume with the same settings or choose another \`out\``);
    }
    context.log(`resuming from step ${latest} (${store.dir})`);
  } else {
    // A fresh start: what an earlier, checkpoint-less attempt left here would mix with this run's files.
    for (const stale of ['samples', 'model', 'loss.png']) await rm(join(out, stale), { recursive: true, force: true });
  }
  const startStep = trainer.model.step;
  const metrics = await MetricsLog.open(join(out, 'metrics.csv'), latest);
  const snapshots = await UnetSnapshots.create({ out, dataset, trainer, config: c });
  const reporter = new UnetReporter({ total: c.steps, every: c.logEvery, log: (l) => context.log(l) });
  const training = { dataset: c.data, steps: c.steps, seed: c.seed, backend: backend.name, preset: c.preset, frames: c.frames };

  const checkpoint = async (): Promise<void> => {
    await metrics.flush();
    await saveUnetCheckpoint(store, trainer.model, { config: modelConfig }, { encoder: trainer.encoder });
  };
  const sampleDue = (step: number) => (c.sampleEvery > 0 && step % c.sampleEvery === 0) || step >= c.steps;
  // What the interrupted run may not have written after its last checkpoint (same bytes if it did).
  if (latest !== undefined && sampleDue(latest)) await snapshots.samples(latest, metrics.rows);
  context.progress({ done: startStep, total: c.steps, note: 'steps' });
  let done = trainer.model.step >= c.steps;
  if (done) context.complete();

  return {
    async consume(batch: ClipBatch) {
      // Batches the checkpoint had already trained on (the stream repeats itself exactly).
      if (done || batch.index < startStep) return;
      const result = trainer.trainStep(batch.clips);
      const step = trainer.model.step;
      metrics.add(metricsRow(step, result, c.advWeight > 0));
      reporter.step(step, result);
      context.progress({ done: step, total: c.steps, note: `steps  ${describe(result)}` });
      if (!Number.isFinite(result.loss) || (result.dLoss !== undefined && !Number.isFinite(result.dLoss))) {
        throw new Error(`losses became non-finite at step ${step} (${describe(result)}); lower the learning rate or resume from an earlier checkpoint`);
      }
      const last = step >= c.steps;
      if (step % c.checkpointEvery === 0 || last) await checkpoint();
      if (sampleDue(step)) await snapshots.samples(step, metrics.rows);
      if (last) {
        done = true;
        context.complete();
      }
    },
    async finish() {
      try {
        const step = trainer.model.step;
        if ((await store.latest()) !== step) await checkpoint();
        await metrics.flush();
        await saveUnetBundle(join(out, 'model'), trainer, { training: { ...training, trainedSteps: step, captions: { seen: snapshots.seen, unseen: snapshots.unseen } } });
        return { steps: step, resumedFrom: latest ?? 0, backend: backend.name, backendDetail: backend, ...reporter.summary(), model: join(c.out, 'model') };
      } finally {
        trainer.model.dispose();
      }
    },
    async abort() {
      await metrics.flush().catch(() => undefined);
    },
  };
}
