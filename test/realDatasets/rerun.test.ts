import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { tempDir } from '../helpers/tmp.ts';
import { lavfiVideo, put, runPrepare } from './helpers.ts';

// Re-running a real-dataset DAG: unchanged params and files skip the work; a changed local copy must not.

const HEADER = 'VideoID,Start,End,WorkerID,Source,AnnotationTime,Language,Description';
const SET = ['root=msvd', 'out=data/msvd', 'frames=4', 'size=16'];

const actions = (plan: Map<string, { action: string }>) => Object.fromEntries([...plan].map(([id, p]) => [id, p.action]));

test('msvd-prepare re-run with nothing changed: every stage up to date, the dataset untouched', async () => {
  const dir = await tempDir('t2v-e2e-rerun-');
  await put(join(dir, 'msvd', 'captions.csv'), `${HEADER}\n-abc,1,2,w1,clean,1,English,a man is walking\n`);
  await lavfiVideo(join(dir, 'msvd', 'YouTubeClips', '-abc_1_2.avi'), { seconds: 0.5 });
  const first = await runPrepare(dir, { file: 'msvd-prepare.yaml' }, SET);
  assert.equal(first.result.status, 'succeeded', String(first.result.error));
  const before = (await stat(join(dir, 'data/msvd/dataset.json'))).mtimeMs;

  const again = await runPrepare(dir, { file: 'msvd-prepare.yaml' }, SET);
  assert.equal(again.result.status, 'succeeded', String(again.result.error));
  assert.deepEqual(actions(again.result.plan), {
    clips: 'skip', normalize: 'skip', filter: 'skip', annotate: 'skip', frames: 'skip', shards: 'skip', preview: 'skip',
  });
  assert.equal((await stat(join(dir, 'data/msvd/dataset.json'))).mtimeMs, before);
});

// Sources declare the files they read (`inputs`); their sizes and times are part of the fingerprint.
test(
  'msvd-prepare re-run after the local copy changed: the dataset is rebuilt',
  async () => {
    const dir = await tempDir('t2v-e2e-rerun-');
    await put(join(dir, 'msvd', 'captions.csv'), `${HEADER}\n-abc,1,2,w1,clean,1,English,a man is walking\n`);
    await lavfiVideo(join(dir, 'msvd', 'YouTubeClips', '-abc_1_2.avi'), { seconds: 0.5 });
    const first = await runPrepare(dir, { file: 'msvd-prepare.yaml' }, SET);
    assert.equal(first.result.status, 'succeeded', String(first.result.error));
    assert.equal((await Dataset.open(join(dir, 'data/msvd'))).size, 1);

    await appendFile(join(dir, 'msvd', 'captions.csv'), 'xyz,3,4,w2,clean,1,English,a woman is running\n');
    await lavfiVideo(join(dir, 'msvd', 'YouTubeClips', 'xyz_3_4.avi'), { seconds: 0.5 });
    const again = await runPrepare(dir, { file: 'msvd-prepare.yaml' }, SET);
    assert.equal(again.result.status, 'succeeded', String(again.result.error));
    assert.equal(again.result.plan.get('shards')!.action, 'run');
    assert.equal((await Dataset.open(join(dir, 'data/msvd'))).size, 2);
  },
);
