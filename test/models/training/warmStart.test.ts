/** Warm start: another run's checkpoint gives a new model its networks' weights, not its optimisers or step. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cp } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { tganPreset } from '../../../models/tganc/tganPresets.ts';
import { TganTrainer } from '../../../models/tganc/TganTrainer.ts';
import { saveTganCheckpoint, tganNetworks } from '../../../models/tganc/tganCheckpoint.ts';
import { CheckpointStore } from '../../../models/training/CheckpointStore.ts';
import { warmStartNetworks } from '../../../models/training/warmStart.ts';
import type { TganModelArgs } from '../../../models/tganc/TganModel.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { tinyClips, tinyVocabulary, weightBits } from '../tganc/helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const trainer = (extra: Partial<TganModelArgs> = {}) =>
  new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 5, ...extra }, vocabulary: tinyVocabulary(), captionLength: 8 });
const bitsOf = (t: TganTrainer) => Object.fromEntries(Object.entries(tganNetworks(t.model)).map(([name, n]) => [name, weightBits(n)]));

test('every network the checkpoint has is loaded exactly; the optimisers and step start afresh; missing networks are named', async () => {
  const dir = await tempDir();
  const store = new CheckpointStore(join(dir, 'run', 'checkpoints'), 3);
  const a = trainer();
  a.trainStep(tinyClips(1));
  await saveTganCheckpoint(store, a.model, {});
  a.trainStep(tinyClips(2));
  await saveTganCheckpoint(store, a.model, {});

  // Another seed, and a reconstruction loss (a posterior encoder the checkpoint does not have).
  const b = trainer({ seed: 9, reconstructionWeight: 1 });
  assert.notDeepEqual(bitsOf(b)['generator'], bitsOf(a)['generator']);
  const warm = await warmStartNetworks(join(dir, 'run'), tganNetworks(b.model));
  assert.equal(warm.step, 2, 'a run folder: its newest checkpoint');
  assert.deepEqual(warm.missing, ['posterior']);
  assert.deepEqual(warm.loaded.sort(), ['encoder', 'frame', 'generator', 'motion', 'video']);
  const [ba, bb] = [bitsOf(a), bitsOf(b)];
  for (const name of warm.loaded) assert.deepEqual(bb[name], ba[name], name);
  assert.equal(b.model.step, 0);
  assert.equal((await b.model.optimizers.generator.getWeights()).length, 1, 'the generator Adam has no moments yet');

  const fromStep = await warmStartNetworks(join(dir, 'run', 'checkpoints', 'step-00000001'), tganNetworks(b.model));
  assert.equal(fromStep.step, 1, 'a step folder: that checkpoint');
  await cp(join(dir, 'run', 'checkpoints', 'step-00000001'), join(dir, 'kept-seed'), { recursive: true });
  assert.equal((await warmStartNetworks(join(dir, 'kept-seed'), tganNetworks(b.model))).step, 1, 'a checkpoint folder copied out of its run, under another name');

  const other = trainer({ gUpsample: 'resize' });
  await assert.rejects(warmStartNetworks(join(dir, 'run'), tganNetworks(other.model)), /network "generator" has other weights than this run's .*same architecture/);
  await assert.rejects(warmStartNetworks(join(dir, 'nothing'), tganNetworks(other.model)), /neither a checkpoint folder .* nor a run folder with checkpoints/);
  for (const t of [a, b, other]) t.model.dispose();
  assert.ok(tf.memory().numTensors >= 0);
});
