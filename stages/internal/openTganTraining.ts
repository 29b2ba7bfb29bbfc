/**
 * The body of the train-tganc stage (stages/train-tganc.ts describes it), loaded only when a DAG trains.
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
import { tganPreset } from '../../models/tganc/tganPresets.ts';
import { TganTrainer } from '../../models/tganc/TganTrainer.ts';
import { warmUpWordClassifiers } from '../../models/tganc/wordWarmup.ts';
import { restoreTganCheckpoint, saveTganCheckpoint } from '../../models/tganc/tganCheckpoint.ts';
import { saveTganBundle } from '../../models/tganc/TganBundle.ts';
import { CheckpointStore } from '../../models/training/CheckpointStore.ts';
import { MetricsLog } from '../../models/training/MetricsLog.ts';
import { TrainingReporter, formatDuration } from '../../models/training/TrainingReporter.ts';
import type { TrainTgancConfig } from '../train-tganc.ts';
import { TganSnapshots } from './tganSnapshots.ts';

/** The model part of the config: resuming with other values would not continue the same training. */
function modelConfigOf(c: TrainTgancConfig): Record<string, unknown> {
  const keys = ['preset', 'size', 'frames', 'gChannels', 'dChannels', 'noiseDim', 'sentenceDim', 'motion', 'temporalCoherence', 'learningRate', 'dLearningRate', 'realLabel', 'instanceNoise', 'instanceNoiseSteps', 'captionLength', 'encoder', 'minibatchStd', 'outputBias', 'wordLoss', 'wordClassifiers', 'wordWarmup', 'wordWarmupBatch', 'wordWarmupLearningRate', 'modeSeeking', 'seed'] as const;
  // Settings at their defaults are left out, so a setting added later does not orphan older checkpoints.
  const isDefault = (k: (typeof keys)[number]) => c[k] === undefined || (k === 'realLabel' && c[k] === 1) || (k === 'encoder' && c[k] === 'lstm') || (k === 'minibatchStd' && c[k] === false) || (k === 'instanceNoise' && c[k] === 0) || (k === 'instanceNoiseSteps' && c.instanceNoise === 0) || (k === 'dLearningRate' && c[k] === c.learningRate) || (k === 'wordLoss' && c[k] === 0) || (k === 'wordClassifiers' && (c.wordLoss === 0 || c[k].join() === 'video')) || (k === 'modeSeeking' && c[k] === 0) || (k.startsWith('wordWarmup') && c.wordWarmup === 0);
  return Object.fromEntries(keys.filter((k) => !isDefault(k)).map((k) => [k, c[k]]));
}

export async function openTganTraining(c: TrainTgancConfig, context: StageContext): Promise<Sink<ClipBatch>> {
  const backend = await selectBackend(c.backend, { log: (line) => context.log(line) });
  registerKernelFixes();
  const data = resolve(context.cwd, c.data);
  const out = resolve(context.cwd, c.out);
  const dataset = await Dataset.open(data);
  const channels = dataset.meta.shape[3]!;
  if (channels !== 1 && channels !== 3) throw new UsageError(`${c.data}: clips have ${channels} channels; TGANs-C takes 1 or 3`);
  const vocabulary = await loadVocabulary(join(data, 'vocabulary.json'));
  const preset = tganPreset(c.preset, c.size);
  const outputBias = c.outputBias === 'auto' ? tanhBiasForMean(await meanPixel(dataset)) : c.outputBias;
  const trainer = new TganTrainer({
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
      outputBias,
      ...(c.modeSeeking > 0 ? { modeSeekingWeight: c.modeSeeking } : {}),
      ...(c.wordLoss > 0 ? { wordLossWeight: c.wordLoss, wordClassifiers: c.wordClassifiers, warmupLearningRate: c.wordWarmupLearningRate } : {}),
      temporalCoherenceWeight: c.temporalCoherence,
      realLabel: c.realLabel,
      instanceNoise: c.instanceNoise,
      ...(c.instanceNoiseSteps !== undefined ? { instanceNoiseSteps: c.instanceNoiseSteps } : {}),
      seed: c.seed,
      learningRates: { generator: c.learningRate, video: c.dLearningRate ?? c.learningRate, frame: c.dLearningRate ?? c.learningRate, motion: c.dLearningRate ?? c.learningRate, encoder: c.dLearningRate ?? c.learningRate },
    },
    vocabulary,
    captionLength: c.captionLength,
    encoder: { kind: c.encoder },
    predictWords: c.wordLoss > 0,
  });
  context.onAbort(() => trainer.model.dispose());

  const store = new CheckpointStore(join(out, 'checkpoints'), c.keep);
  const latest = await store.latest();
  const modelConfig = modelConfigOf(c);
  if (latest !== undefined && !c.resume) {
    throw new UsageError(`${c.out} already holds checkpoints up to step ${latest}: run with --resume to continue, or choose another \`out\``);
  }
  if (latest !== undefined) {
    const state = await restoreTganCheckpoint(await store.load(latest), trainer.model);
    if (JSON.stringify(state['config']) !== JSON.stringify(modelConfig)) {
      trainer.model.dispose();
      throw new UsageError(`${c.out}: the checkpoint at step ${latest} was trained with another config (${JSON.stringify(state['config'])}); resume with the same settings or choose another \`out\``);
    }
    context.log(`resuming from step ${latest} (${store.dir})`);
  }
  if (latest === undefined) {
    // A fresh start: what an earlier, checkpoint-less attempt left here would mix with this run's files.
    for (const stale of ['samples', 'eval', 'eval.csv', 'best', 'model', 'loss.png']) await rm(join(out, stale), { recursive: true, force: true });
  }
  if (latest === undefined && c.wordWarmup > 0) {
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
  }
  const startStep = trainer.model.step;
  const metrics = await MetricsLog.open(join(out, 'metrics.csv'), latest);
  const snapshots = await TganSnapshots.create({ out, dataset, trainer, config: c, evaluatorDir: c.evaluator ? resolve(context.cwd, c.evaluator) : undefined, resumedAt: latest, log: (l) => context.log(l) });
  const reporter = new TrainingReporter({ total: c.steps, start: startStep, every: c.logEvery, log: (l) => context.log(l) });
  const training = { dataset: c.data, steps: c.steps, seed: c.seed, backend: backend.name, preset: c.preset };

  const checkpoint = async (): Promise<void> => {
    await metrics.flush();
    await saveTganCheckpoint(store, trainer.model, { config: modelConfig });
  };
  const sampleDue = (step: number) => (c.sampleEvery > 0 && step % c.sampleEvery === 0) || step >= c.steps;
  const evalDue = (step: number) => (c.evalEvery > 0 && step % c.evalEvery === 0) || step >= c.steps;
  if (latest !== undefined) {
    // What the interrupted run may not have written after its last checkpoint (same bytes if it did).
    if (sampleDue(latest)) await snapshots.samples(latest, metrics.rows);
    if (evalDue(latest)) await snapshots.evaluate(latest, training);
  }
  context.progress({ done: startStep, total: c.steps, note: 'steps' });
  let done = trainer.model.step >= c.steps;
  if (done) context.complete();

  return {
    async consume(batch: ClipBatch) {
      // Batches the checkpoint had already trained on (the stream repeats itself exactly).
      if (done || batch.index < startStep) return;
      const result = trainer.trainStep(batch.clips);
      const step = trainer.model.step;
      metrics.add({ step, dLoss: result.dLoss, gLoss: result.gLoss, ...result.parts });
      reporter.step(step, result);
      context.progress({ done: step, total: c.steps, note: `steps  dLoss ${result.dLoss.toFixed(3)}  gLoss ${result.gLoss.toFixed(3)}` });
      if (!Number.isFinite(result.dLoss) || !Number.isFinite(result.gLoss)) {
        throw new Error(`losses became non-finite at step ${step} (dLoss ${result.dLoss}, gLoss ${result.gLoss}); lower the learning rate or resume from an earlier checkpoint`);
      }
      const last = step >= c.steps;
      if (step % c.checkpointEvery === 0 || last) await checkpoint();
      if (sampleDue(step)) await snapshots.samples(step, metrics.rows);
      if (evalDue(step)) await snapshots.evaluate(step, training);
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
        await saveTganBundle(join(out, 'model'), trainer, { training: { ...training, trainedSteps: step, captions: { seen: snapshots.seen, unseen: snapshots.unseen } }, ...(snapshots.lastScores ? { scores: { ...snapshots.lastScores } } : {}) });
        return { steps: step, resumedFrom: latest ?? 0, backend: backend.name, backendDetail: backend, ...reporter.summary(), ...(snapshots.lastScores ? { scores: snapshots.lastScores } : {}), model: join(c.out, 'model') };
      } finally {
        snapshots.dispose();
        trainer.model.dispose();
      }
    },
    async abort() {
      await metrics.flush().catch(() => undefined);
    },
  };
}
