/**
 * A tiny single-digit bouncing MNIST dataset (`data/`, 60 clips of 8 frames at 32x32) and an untrained
 * tiny U-Net model folder (`model/`: window 3, 16x16 grey, 6-frame clips) saved as train-unet saves one,
 * recording `data` as its training dataset. For `t2v generate` / `t2v eval` tests on the cpu backend.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import type { Clip } from '../../datasets/clip.ts';
import { selectBackend } from '../../models/backend/selectBackend.ts';
import { tinyUnetArgs } from '../../models/unet/UnetConfig.ts';
import { UnetTrainer } from '../../models/unet/UnetTrainer.ts';
import { saveUnetBundle } from '../../models/unet/UnetBundle.ts';
import { loadVocabulary } from '../../text/Vocabulary.ts';
import { show, t2v } from './cli.ts';

const PREPARE = fileURLToPath(new URL('../../dags/sbmg-prepare.yaml', import.meta.url));

export const UNET_WINDOW = 3;
export const UNET_FRAMES = 6;
export const UNET_SIZE = 16;

/** Prepares `dir`/data and saves `dir`/model (plus any `extra` folders with other training records). */
export async function makeUnetFixture(dir: string, extra: Record<string, Record<string, unknown>> = {}): Promise<void> {
  await selectBackend('cpu');
  const prepared = await t2v(['run', PREPARE, '--set', 'count=60', '--set', 'size=32', '--set', 'frames=8', '--set', 'out=data', '--progress', 'none'], dir);
  assert.equal(prepared.code, 0, show(prepared));
  const vocabulary = await loadVocabulary(join(dir, 'data', 'vocabulary.json'));
  const trainer = new UnetTrainer({ model: { ...tinyUnetArgs(), frames: UNET_WINDOW, size: UNET_SIZE, channels: 1 }, vocabulary, captionLength: 8, clipFrames: UNET_FRAMES });
  try {
    const training = { dataset: 'data', steps: 0, seed: 0, backend: 'cpu', preset: 'tiny', frames: UNET_FRAMES, trainedSteps: 0 };
    await saveUnetBundle(join(dir, 'model'), trainer, { training });
    for (const [name, record] of Object.entries(extra)) await saveUnetBundle(join(dir, name), trainer, { training: record });
  } finally {
    trainer.model.dispose();
  }
}

/** Every clip of the fixture's dataset. */
export async function fixtureClips(dir: string): Promise<Clip[]> {
  const dataset = await Dataset.open(join(dir, 'data'));
  const clips: Clip[] = [];
  for await (const clip of dataset.stream()) clips.push(clip);
  return clips;
}
