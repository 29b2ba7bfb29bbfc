/**
 * What every training stage does around its own model (openTganTraining, openUnetTraining,
 * openStackVganTraining keep only what is theirs): open the backend and the dataset; checkpoints in
 * `out/checkpoints` (refusing to overwrite without `resume`, refusing a resume with another config,
 * clearing a checkpoint-less attempt's files on a fresh start); the consume loop (skipping the batches
 * the checkpoint had trained on, metrics, progress, checkpoints, samples, evaluation where a kind has
 * it); and at the end the final checkpoint, metrics.csv and `model/`.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Sink } from '../../pipeline/core/StageType.ts';
import type { StageContext } from '../../pipeline/core/StageContext.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import type { ClipBatch } from '../../datasets/batch.ts';
import type { Clip } from '../../datasets/clip.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { loadVocabulary, type Vocabulary } from '../../text/Vocabulary.ts';
import { selectBackend, type BackendChoice, type BackendInfo } from '../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../models/kernels/registerKernelFixes.ts';
import { CheckpointStore, type LoadedCheckpoint } from '../../models/training/CheckpointStore.ts';
import { MetricsLog, type MetricsRow } from '../../models/training/MetricsLog.ts';
import type { TrainingReporter } from '../../models/training/TrainingReporter.ts';

/** The config fields every training stage has (trainingConfig.ts declares the shared ones). */
export interface TrainingRunSettings {
  data: string;
  out: string;
  steps: number;
  backend: BackendChoice;
  resume: boolean;
  checkpointEvery: number;
  keep: number;
  sampleEvery: number;
}

export interface TrainingInputs {
  backend: BackendInfo;
  /** `data` and `out` resolved against the run's folder. */
  data: string;
  out: string;
  dataset: Dataset;
  channels: 1 | 3;
  vocabulary: Vocabulary;
}

/**
 * The backend, the dataset and its vocabulary. `model` names the kind in the channel check's message;
 * `frames`, when given, is the clip length the stage needs.
 */
export async function openTrainingInputs(c: TrainingRunSettings, context: StageContext, check: { model: string; frames?: number }): Promise<TrainingInputs> {
  const backend = await selectBackend(c.backend, { log: (line) => context.log(line) });
  registerKernelFixes();
  const data = resolve(context.cwd, c.data);
  const out = resolve(context.cwd, c.out);
  const dataset = await Dataset.open(data);
  const channels = dataset.meta.shape[3]!;
  if (channels !== 1 && channels !== 3) throw new UsageError(`${c.data}: clips have ${channels} channels; ${check.model} takes 1 or 3`);
  if (check.frames !== undefined && dataset.meta.shape[0]! < check.frames) {
    throw new UsageError(`${c.data}: clips have ${dataset.meta.shape[0]} frames; the stage takes ${check.frames}`);
  }
  const vocabulary = await loadVocabulary(join(data, 'vocabulary.json'));
  return { backend, data, out, dataset, channels, vocabulary };
}

/** What a kind shows along the way (samples/, loss.png; eval/ and best/ where it evaluates). */
export interface TrainingSnapshots {
  /** The dataset's train (seen) and val (unseen) captions, recorded in `model/`. */
  readonly seen: string[];
  readonly unseen: string[];
  /** The scores of the last evaluation, for `model/` and the summary. */
  readonly lastScores?: object | undefined;
  samples(step: number, rows: readonly MetricsRow[]): Promise<void>;
  evaluate?(step: number, training: Record<string, unknown>): Promise<void>;
  dispose?(): void;
}

/** What one kind brings to the shared loop. */
export interface TrainingKind<Result> {
  model: { step: number; dispose(): void };
  /** The model part of the config, stored in each checkpoint: a resume with other values is refused. */
  modelConfig: Record<string, unknown>;
  /** What a fresh start removes from `out`: an earlier, checkpoint-less attempt's files would mix with this run's. */
  staleOnFreshStart: readonly string[];
  /** Compare the stored config before the weights are touched (when another config's networks would not even load). */
  compareConfigBeforeRestore?: boolean;
  /** Puts the checkpoint into the model; returns the checkpoint's state. */
  restoreCheckpoint(loaded: LoadedCheckpoint): Promise<Record<string, unknown>>;
  saveCheckpoint(store: CheckpointStore, state: Record<string, unknown>): Promise<unknown>;
  /** Work a fresh start does before its first step, after the stale files are gone. */
  beforeFreshStart?(): Promise<void>;
  /** `resumedAt`: the checkpoint step a resumed run starts from. */
  openSnapshots(resumedAt: number | undefined): Promise<TrainingSnapshots>;
  openReporter(): TrainingReporter<Result>;
  /** Evaluate every N steps (0: only at the end); undefined: the kind does not evaluate. */
  evalEvery?: number;
  /** What `model/` records of the run (its trained steps and captions are added). */
  training: Record<string, unknown>;
  trainStep(clips: readonly Clip[]): Result;
  metricsRow(step: number, result: Result): MetricsRow;
  /** The losses, as the progress note shows them. */
  describe(result: Result): string;
  /** The losses for the error message when one is not finite; undefined when all are. */
  nonFinite(result: Result): string | undefined;
  saveModel(dir: string, extra: { training: Record<string, unknown>; scores?: Record<string, unknown> }): Promise<void>;
}

export async function openTrainingSink<Result>(c: TrainingRunSettings, context: StageContext, inputs: TrainingInputs, kind: TrainingKind<Result>): Promise<Sink<ClipBatch>> {
  const { out, backend } = inputs;
  const { model } = kind;
  context.onAbort(() => model.dispose());

  const store = new CheckpointStore(join(out, 'checkpoints'), c.keep);
  const latest = await store.latest();
  if (latest !== undefined && !c.resume) {
    model.dispose();
    throw new UsageError(`${c.out} already holds checkpoints up to step ${latest}: run with --resume to continue, or choose another \`out\``);
  }
  if (latest !== undefined) {
    const loaded = await store.load(latest);
    const config = kind.compareConfigBeforeRestore ? loaded.state['config'] : (await kind.restoreCheckpoint(loaded))['config'];
    if (JSON.stringify(config) !== JSON.stringify(kind.modelConfig)) {
      model.dispose();
      throw new UsageError(`${c.out}: the checkpoint at step ${latest} was trained with another config (${JSON.stringify(config)}); resume with the same settings or choose another \`out\``);
    }
    if (kind.compareConfigBeforeRestore) await kind.restoreCheckpoint(loaded);
    context.log(`resuming from step ${latest} (${store.dir})`);
  } else {
    for (const stale of kind.staleOnFreshStart) await rm(join(out, stale), { recursive: true, force: true });
    await kind.beforeFreshStart?.();
  }
  const startStep = model.step;
  const metrics = await MetricsLog.open(join(out, 'metrics.csv'), latest);
  const snapshots = await kind.openSnapshots(latest);
  const reporter = kind.openReporter();
  const evaluate = kind.evalEvery === undefined ? undefined : snapshots.evaluate?.bind(snapshots);

  const checkpoint = async (): Promise<void> => {
    await metrics.flush();
    await kind.saveCheckpoint(store, { config: kind.modelConfig });
  };
  const sampleDue = (step: number) => (c.sampleEvery > 0 && step % c.sampleEvery === 0) || step >= c.steps;
  const evalDue = (step: number) => evaluate !== undefined && ((kind.evalEvery! > 0 && step % kind.evalEvery! === 0) || step >= c.steps);
  if (latest !== undefined) {
    // What the interrupted run may not have written after its last checkpoint (same bytes if it did).
    if (sampleDue(latest)) await snapshots.samples(latest, metrics.rows);
    if (evalDue(latest)) await evaluate!(latest, kind.training);
  }
  context.progress({ done: startStep, total: c.steps, note: 'steps' });
  let done = model.step >= c.steps;
  if (done) context.complete();

  return {
    async consume(batch: ClipBatch) {
      // Batches the checkpoint had already trained on (the stream repeats itself exactly).
      if (done || batch.index < startStep) return;
      const result = kind.trainStep(batch.clips);
      const step = model.step;
      metrics.add(kind.metricsRow(step, result));
      reporter.step(step, result);
      context.progress({ done: step, total: c.steps, note: `steps  ${kind.describe(result)}` });
      const nonFinite = kind.nonFinite(result);
      if (nonFinite !== undefined) {
        throw new Error(`losses became non-finite at step ${step} (${nonFinite}); lower the learning rate or resume from an earlier checkpoint`);
      }
      const last = step >= c.steps;
      if (step % c.checkpointEvery === 0 || last) await checkpoint();
      if (sampleDue(step)) await snapshots.samples(step, metrics.rows);
      if (evalDue(step)) await evaluate!(step, kind.training);
      if (last) {
        done = true;
        context.complete();
      }
    },
    async finish() {
      try {
        const step = model.step;
        if ((await store.latest()) !== step) await checkpoint();
        await metrics.flush();
        const scores = snapshots.lastScores;
        await kind.saveModel(join(out, 'model'), { training: { ...kind.training, trainedSteps: step, captions: { seen: snapshots.seen, unseen: snapshots.unseen } }, ...(scores ? { scores: { ...scores } } : {}) });
        return { steps: step, resumedFrom: latest ?? 0, backend: backend.name, backendDetail: backend, ...reporter.summary(), ...(scores ? { scores } : {}), model: join(c.out, 'model') };
      } finally {
        snapshots.dispose?.();
        model.dispose();
      }
    },
    async abort() {
      await metrics.flush().catch(() => undefined);
    },
  };
}
