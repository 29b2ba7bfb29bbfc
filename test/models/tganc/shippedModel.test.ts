/**
 * The model shipped in models/pretrained/tganc-sbmg (what `npm start` generates with): it loads, it
 * generates videos of its recorded geometry on the cpu backend, the same seed gives the same bytes, and
 * its record says where it was trained and how it scored.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { TganBundle } from '../../../models/tganc/TganBundle.ts';

const SHIPPED = fileURLToPath(new URL('../../../models/pretrained/tganc-sbmg', import.meta.url));

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

test('the shipped TGANs-C model loads and generates on the cpu backend', async () => {
  const bundle = await TganBundle.load(SHIPPED);
  try {
    const { frames, size, channels } = bundle.args;
    assert.deepEqual([frames, size, channels], [16, 48, 1], 'bouncing digits at 48x48x16, grey');
    const training = bundle.info.training as { trainedSteps?: number; captions?: { seen: string[]; unseen: string[] } };
    assert.ok((training.trainedSteps ?? 0) > 0, 'trained');
    assert.ok(training.captions !== undefined && training.captions.seen.length > 0 && training.captions.unseen.length > 0, 'its seen and unseen captions are recorded');
    const scores = bundle.info.scores as Record<string, number>;
    for (const key of ['seenBoth', 'unseenBoth', 'diversity']) assert.ok(Number.isFinite(scores[key]), `scores.${key} recorded`);
    const captions = [training.captions!.seen[0]!, training.captions!.unseen[0]!];
    const videos = bundle.videos(captions, { seed: 3 });
    assert.equal(videos.length, 2);
    for (const v of videos) {
      assert.deepEqual(v.shape, [16, 48, 48, 1]);
      assert.equal(v.frames.length, 16 * 48 * 48);
      const mean = v.frames.reduce((a, b) => a + b, 0) / v.frames.length;
      assert.ok(mean > 0 && mean < 128, `a dark background with something bright on it (mean byte ${mean.toFixed(1)})`);
    }
    const again = bundle.videos(captions, { seed: 3 });
    assert.deepEqual(again.map((v) => Buffer.from(v.frames)), videos.map((v) => Buffer.from(v.frames)), 'same seed, same bytes');
    const other = bundle.videos(captions, { seed: 4 });
    assert.notDeepEqual(other.map((v) => Buffer.from(v.frames)), videos.map((v) => Buffer.from(v.frames)), 'another seed, other videos');
  } finally {
    bundle.dispose();
  }
});
