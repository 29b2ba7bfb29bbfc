import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { hasStack, messages, show, t2v, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';
import { dagPath, put } from './helpers.ts';

// Bad MSVD input through the real command line (`t2v run dags/msvd-prepare.yaml --set root=...`, CI=true):
// exit 1, the error as one line naming the file (and line), then where the run record is; no stack trace.

const HEADER = 'VideoID,Start,End,WorkerID,Source,AnnotationTime,Language,Description';
const MSVD = dagPath('msvd-prepare.yaml');

/** A fresh working folder, as the child process will see it (a symlinked temp folder resolved). */
async function cwd(): Promise<string> {
  return realpath(await tempDir('t2v-e2e-cli-'));
}

/** The t2v lines are the error, then the pointer to the run record; nothing looks like a stack trace. */
function assertFailure(result: CliResult, error: string): void {
  assert.equal(result.code, 1, show(result));
  const lines = messages(result);
  assert.equal(lines.length, 2, show(result));
  assert.equal(lines[0], `t2v: ${error}`, show(result));
  assert.match(lines[1], /^t2v: run failed; see outputs\/msvd-prepare\/[\w-]+\/manifest\.json and outputs\/msvd-prepare\/[\w-]+\/run\.log$/);
  assert.equal(hasStack(result.stdout + result.stderr), false, show(result));
  assert.doesNotMatch(result.stdout, /run succeeded/);
}

test('cli: a missing root fails with one line naming the folder', async () => {
  const dir = await cwd();
  const result = await t2v(['run', MSVD, '--set', 'root=no/such/msvd'], dir);
  assertFailure(result, `${join(dir, 'no/such/msvd')}: no such folder`);
});

test('cli: an empty captions CSV fails naming the file', async () => {
  const dir = await cwd();
  await put(join(dir, 'msvd', 'video_corpus.csv'), '');
  await put(join(dir, 'msvd', 'YouTubeClips', 'a_1_2.avi'), '');
  const result = await t2v(['run', MSVD, '--set', 'root=msvd'], dir);
  assertFailure(result, `${join(dir, 'msvd', 'video_corpus.csv')}: empty (no header line)`);
});

test('cli: a CSV with the wrong columns fails naming the file and line 1', async () => {
  const dir = await cwd();
  const csv = join(dir, 'msvd', 'video_corpus.csv');
  await put(csv, 'VideoID,Start,End,WorkerID,Source,AnnotationTime,Lang,Description\n-abc,1,2,w,clean,3,English,a cat\n');
  await put(join(dir, 'msvd', 'YouTubeClips', '-abc_1_2.avi'), '');
  const result = await t2v(['run', MSVD, '--set', 'root=msvd'], dir);
  assertFailure(result, `${csv}:1: wrong columns: missing Language; unexpected Lang (expected ${HEADER})`);
});

test('cli: with onError: fail on the source, a caption without a clip fails the run naming stage and item', async () => {
  const dir = await cwd();
  const shipped = await readFile(MSVD, 'utf8');
  const strict = shipped.replace(/(\n  clips:\n    uses: msvd-source\n    onError: )skip\b/, '$1fail');
  assert.notEqual(strict, shipped, 'the source stage of the shipped DAG says onError: skip');
  await put(join(dir, 'msvd-strict.yaml'), strict);
  await put(join(dir, 'msvd', 'captions.csv'), `${HEADER}\n-gone,1,5,w1,clean,3,English,"a dog, brown, is running"\n`);
  await put(join(dir, 'msvd', 'YouTubeClips', 'README'), 'no clips here');
  const result = await t2v(['run', 'msvd-strict.yaml', '--set', 'root=msvd', '--set', 'out=data/msvd'], dir);
  const clip = join(dir, 'msvd', 'YouTubeClips', '-gone_1_5.avi');
  const error = `stage "clips" failed on item -gone_1_5: no clip file ${clip} (caption without a clip)`;
  assertFailure(result, error);
  const runDir = /see (outputs\/msvd-prepare\/[\w-]+)\/manifest\.json/.exec(messages(result)[1])![1];
  const manifest = JSON.parse(await readFile(join(dir, runDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'failed');
  assert.equal(manifest.error, error);
  assert.equal(existsSync(join(dir, 'data', 'msvd')), false, 'no dataset left behind');
});
