/**
 * The body of the train-stackvgan stage (stages/train-stackvgan.ts describes it), loaded only when a DAG
 * trains. The same shape as openUnetTraining: backend, dataset, vocabulary and word vectors, trainer,
 * checkpoints (refusing to overwrite without `resume`, refusing a resume with another config), metrics,
 * samples, progress, and `model/` at the end.
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
import { stackVganPreset } from '../../models/stackvgan/stackVganPresets.ts';
import { StackVganTrainer } from '../../models/stackvgan/StackVganTrainer.ts';
import { STACKVGAN_LOSSES, type StackVganStepResult } from '../../models/stackvgan/StackVganModel.ts';
import { restoreStackVganCheckpoint, saveStackVganCheckpoint } from '../../models/stackvgan/stackVganCheckpoint.ts';
import { saveStackVganBundle } from '../../models/stackvgan/StackVganBundle.ts';
import { randomWordTable, readWordTable } from '../../models/stackvgan/wordTable.ts';
import type { TrainStackVganConfig } from '../train-stackvgan.ts';
import { StackVganReporter, StackVganSnapshots, describe } from './stackVganSnapshots.ts';

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
  const backend = await selectBackend(c.backend, { log: (line) => context.log(line) });
  registerKernelFixes();
  const data = resolve(context.cwd, c.data);
  const out = resolve(context.cwd, c.out);
  const dataset = await Dataset.open(data);
  const channels = dataset.meta.shape[3]!;
  if (channels !== 1 && channels !== 3) throw new UsageError(`${c.data}: clips have ${channels} channels; the model takes 1 or 3`);
  if (dataset.meta.shape[0]! < c.frames) throw new UsageError(`${c.data}: clips have ${dataset.meta.shape[0]} frames; the stage takes ${c.frames}`);
  const vocabulary = await loadVocabulary(join(data, 'vocabulary.json'));
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
  context.onAbort(() => trainer.model.dispose());

  const store = new CheckpointStore(join(out, 'checkpoints'), c.keep);
  const latest = await store.latest();
  const modelConfig = modelConfigOf(c);
  if (latest !== undefined && !c.resume) {
    trainer.model.dispose();
    throw new UsageError(`${c.out} already holds checkpoints up to step ${latest}: run with --resume to continue, or choose another \`out\``);
  }
  if (latest !== undefined) {
    const loaded = await store.load(latest);
    // The config is compared before the weights are touched: another preset's networks would not even load.
    if (JSON.stringify(loaded.state['config']) !== JSON.stringify(modelConfig)) {
      trainer.model.dispose();
      throw new UsageError(`${c.out}: the checkpoint at step ${latest} was trained with another config (${JSON.stringify(loaded.state['config'])}); resume with the same settings or choose another \`out\``);
    }
    await restoreStackVganCheckpoint(loaded, trainer.model);
    context.log(`resuming from step ${latest} (${store.dir})`);
  } else {
    // A fresh start: what an earlier, checkpoint-less attempt left here would mix with this run's files.
    for (const stale of ['samples', 'model', 'loss.png']) await rm(join(out, stale), { recursive: true, force: true });
  }
  const startStep = trainer.model.step;
  const metrics = await MetricsLog.open(join(out, 'metrics.csv'), latest);
  const snapshots = await StackVganSnapshots.create({ out, dataset, trainer, config: c });
  const reporter = new StackVganReporter({ total: c.steps, every: c.logEvery, log: (l) => context.log(l) });
  const training = { dataset: c.data, steps: c.steps, seed: c.seed, backend: backend.name, preset: c.preset, frames: c.frames, size: c.size, textSteps: c.textSteps, vectors: c.vectors || 'random' };

  const checkpoint = async (): Promise<void> => {
    await metrics.flush();
    await saveStackVganCheckpoint(store, trainer.model, { config: modelConfig });
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
      metrics.add(metricsRow(step, result));
      reporter.step(step, result);
      context.progress({ done: step, total: c.steps, note: `steps  ${describe(result)}` });
      if (Object.values(result.losses).some((v) => !Number.isFinite(v))) {
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
        await saveStackVganBundle(join(out, 'model'), trainer, { training: { ...training, trainedSteps: step, captions: { seen: snapshots.seen, unseen: snapshots.unseen } } });
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
