import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { tempDir } from '../helpers/tmp.ts';
import { clipsById, put, rampFrameNumbers, rampVideo, readManifest, readRejects, runPrepare } from './helpers.ts';

// Boundedness smoke test (no timing): the shipped KTH DAG over 40 sub-sequences of a few videos. Every
// stage's in/out counts agree along the chain and no edge ever held more items than its buffer.

const PERSONS = [11, 1, 22, 12]; // train, val, test, train
const RANGES = 10; // per video
const LENGTH = 6; // frames per sub-sequence

test('kth-prepare over 40 sub-sequences: counts consistent across stages, edges within their buffers', async () => {
  const dir = await tempDir('t2v-e2e-kth40-');
  const root = join(dir, 'kth');
  const ranges = Array.from({ length: RANGES }, (_, i) => `${i * LENGTH + 1}-${(i + 1) * LENGTH}`);
  const lines = [
    'Training:   person11, 12, 13, 14, 15, 16, 17, 18',
    'Validation: person19, 20, 21, 23, 24, 25, 01, 04',
    'Test:       person22, 02, 03, 05, 06, 07, 08, 09, 10',
    '',
    ...PERSONS.map((p, i) => `person${String(p).padStart(2, '0')}_running_d${i + 1}${i % 2 ? '    frames    ' : '\t\tframes\t'}${ranges.join(', ')}`),
  ];
  await put(join(root, '00sequences.txt'), lines.join('\n') + '\n');
  await Promise.all(
    PERSONS.map((p, i) => rampVideo(join(root, 'running', `person${String(p).padStart(2, '0')}_running_d${i + 1}_uncomp.avi`), { frames: RANGES * LENGTH })),
  );

  const { result, spec } = await runPrepare(dir, { file: 'kth-prepare.yaml' }, ['root=kth', 'out=data/kth', 'frames=4', 'size=16']);
  assert.equal(result.status, 'succeeded', String(result.error));
  const total = PERSONS.length * RANGES;

  const manifest = await readManifest(result.runDir!);
  const s = manifest.stages;
  assert.equal(manifest.rejected, 0);
  assert.deepEqual(await readRejects(result.runDir!), []);
  assert.equal(s.clips.out, total);
  assert.equal(s.annotate.in, s.clips.out);
  assert.equal(s.annotate.out, s.annotate.in - s.annotate.rejected);
  assert.equal(s.frames.in, s.annotate.out);
  assert.equal(s.frames.out, s.frames.in - s.frames.rejected);
  assert.equal(s.shards.in, s.frames.out);
  assert.equal(s.preview.in, Math.min(8, s.frames.out), 'the preview stops reading at its limit of 8');
  assert.equal(s.frames.out, total);
  assert.equal(s.shards.result?.clips, total);
  for (const [id, stage] of Object.entries(s)) assert.equal(stage.status, 'done', id);

  // Credit-based flow control: no edge ever held more than the downstream stage's buffer.
  const buffers = new Map(spec.stages.map((stage) => [stage.id, stage.buffer]));
  assert.deepEqual([...result.edgePeaks.keys()].sort(), ['annotate->frames', 'clips->annotate', 'frames->preview', 'frames->shards']);
  for (const [edge, peak] of result.edgePeaks) {
    const to = edge.split('->')[1];
    assert.ok(peak >= 1 && peak <= buffers.get(to)!, `${edge}: peak ${peak} within buffer ${buffers.get(to)}`);
  }

  const dataset = await Dataset.open(join(dir, 'data/kth'));
  assert.equal(dataset.size, total);
  assert.deepEqual(dataset.meta.shape, [4, 16, 16, 1]);
  assert.deepEqual(dataset.meta.splits, { train: 20, val: 10, test: 10 });
  const byId = await clipsById(dataset);
  // extract-frames works on two clips at once but emits in input order: the dataset is in file order.
  const expectedOrder = PERSONS.flatMap((p, i) => ranges.map((_, r) => `person${String(p).padStart(2, '0')}_running_d${i + 1}_seq${r + 1}`));
  assert.deepEqual([...byId.keys()], expectedOrder);
  for (const clip of byId.values()) {
    const seq = Number(/_seq(\d+)$/.exec(clip.id)![1]);
    const from = (seq - 1) * LENGTH + 1;
    // 4 of 6 frames spread over the range: offsets round(i * 5 / 3) = 0, 2, 3, 5.
    assert.deepEqual(rampFrameNumbers(clip), [from, from + 2, from + 3, from + 5], clip.id);
  }
});
