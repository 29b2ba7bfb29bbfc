import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTensors, saveTensors } from '../io/fileSystemIO.ts';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';

/** What a checkpoint holds: models in the tfjs format, named tensors (optimizer state), and JSON state. */
export interface CheckpointContents {
  /** Saved as `<name>/model.json` + `weights.bin`, loadable with tf.loadLayersModel (and in a browser). */
  models: Record<string, tf.LayersModel>;
  /** Optimizer slots and anything else tensor-valued, saved exactly. */
  tensors: Record<string, tf.Tensor>;
  /** Step, RNG state, config, the data position: whatever resuming needs. */
  state: Record<string, unknown>;
}

export interface LoadedCheckpoint {
  step: number;
  dir: string;
  /** Folder of each saved model (pass `file://<dir>/model.json` to tf.loadLayersModel). */
  modelDirs: Record<string, string>;
  tensors: Record<string, tf.Tensor>;
  state: Record<string, unknown>;
}

const NAME = /^step-(\d{8})$/;

/**
 * Checkpoints of a training run: `step-00000100/` folders written under a hidden staging name and
 * renamed into place when complete (a run killed mid-save leaves only a stale staging folder), keeping
 * the newest `keep`.
 */
export class CheckpointStore {
  constructor(
    readonly dir: string,
    readonly keep = 3,
  ) {
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be a whole number ≥ 1, got ${keep}`);
  }

  async save(step: number, contents: CheckpointContents): Promise<string> {
    const name = `step-${String(step).padStart(8, '0')}`;
    const final = join(this.dir, name);
    const staging = join(this.dir, `.${name}.partial`);
    await rm(staging, { recursive: true, force: true });
    await makeDirectory(staging);
    try {
      for (const [model, value] of Object.entries(contents.models)) await value.save(`file://${join(staging, model)}`);
      await saveTensors(join(staging, 'tensors.bin'), contents.tensors);
      await writeFileAtomic(join(staging, 'state.json'), JSON.stringify({ step, models: Object.keys(contents.models), ...contents.state }, null, 2) + '\n');
      await rm(final, { recursive: true, force: true });
      await rename(staging, final);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    await this.prune();
    return final;
  }

  /** Steps of the complete checkpoints, oldest first. */
  async steps(): Promise<number[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.flatMap((n) => (NAME.test(n) ? [Number(NAME.exec(n)![1])] : [])).sort((a, b) => a - b);
  }

  async latest(): Promise<number | undefined> {
    return (await this.steps()).at(-1);
  }

  async load(step: number): Promise<LoadedCheckpoint> {
    return CheckpointStore.loadFolder(join(this.dir, `step-${String(step).padStart(8, '0')}`));
  }

  /** A checkpoint folder wherever it is (e.g. copied out of its run), its step read from its state.json. */
  static async loadFolder(dir: string): Promise<LoadedCheckpoint> {
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as Record<string, unknown> & { models: string[]; step: number };
    const modelDirs = Object.fromEntries(state.models.map((m) => [m, join(dir, m)]));
    return { step: state.step, dir, modelDirs, tensors: await loadTensors(join(dir, 'tensors.bin')), state };
  }

  private async prune(): Promise<void> {
    const steps = await this.steps();
    for (const step of steps.slice(0, Math.max(0, steps.length - this.keep))) {
      await rm(join(this.dir, `step-${String(step).padStart(8, '0')}`), { recursive: true, force: true });
    }
  }
}
