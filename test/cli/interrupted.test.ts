import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { hasStack, messages, show, startT2v, t2v, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

// 1500 clips of 64 KiB in 8 MiB shards: 12 shards, so a run can be stopped between shards.
const DAG = `name: crash
params:
  out: A
stages:
  digits:
    uses: bouncing-digits
    with: {count: 1500, seed: 5}
  shards:
    uses: write-shards
    from: digits
    with: {out: "\${params.out}", maxShardMB: 8, name: crash-test}
`;

async function setup(): Promise<string> {
  const dir = await tempDir('t2v-crash-');
  await writeFile(join(dir, 'crash.yaml'), DAG);
  return dir;
}

const runArgs = (out: string) => ['run', 'crash.yaml', '--set', `out=${out}`, '--progress', 'none'];

/** sha256 of every file in a folder, by name. */
async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = createHash('sha256').update(await readFile(join(dir, name))).digest('hex');
  return out;
}

/** Wait until the staging folder holds a finished shard (`.bin`, not `.bin.tmp`); fail if the run ends first. */
async function waitForShard(staging: string, child: ChildProcess, done: Promise<CliResult>): Promise<string[]> {
  let ended: CliResult | undefined;
  void done.then((result) => (ended = result));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (ended) assert.fail(`the run ended before a shard was written: ${show(ended)}`);
    const files = await readdir(staging).catch(() => [] as string[]);
    if (files.some((f) => f.endsWith('.bin'))) return files;
    await sleep(5);
  }
  child.kill('SIGKILL');
  assert.fail(`no shard appeared in ${staging}`);
}

test('a run killed mid-write leaves only its staging folder; the re-run gives byte-identical files', async () => {
  const dir = await setup();
  const reference = await t2v(runArgs('A'), dir);
  assert.equal(reference.code, 0, show(reference));
  const a = await hashes(join(dir, 'A'));
  assert.equal(Object.keys(a).filter((f) => f.endsWith('.bin')).length, 12, 'many shards');

  const staging = join(dir, '.B.partial');
  const { child, done } = startT2v(runArgs('B'), dir);
  const seen = await waitForShard(staging, child, done);
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL', show(killed));
  assert.equal(existsSync(join(dir, 'B')), false, 'no output folder after a crash');
  assert.ok(existsSync(staging), 'the staging folder is all that is left');
  assert.ok(seen.length > 0);
  assert.equal((await readdir(dir)).filter((f) => /B/.test(f)).join(','), '.B.partial');

  const rerun = await t2v(runArgs('B'), dir);
  assert.equal(rerun.code, 0, show(rerun));
  assert.match(rerun.stdout, /^run succeeded: 2 stage\(s\) ran/m);
  assert.equal(existsSync(staging), false, 'the stale staging folder was replaced and published');
  assert.deepEqual(await hashes(join(dir, 'B')), a, 'every file byte-identical to the uninterrupted run');
  assert.ok((await (await Dataset.open(join(dir, 'B'))).verify()).every((r) => r.ok));
});

test('Ctrl-C mid-run: exit 130, manifest says aborted, no staging folder and no output', async () => {
  const dir = await setup();
  const staging = join(dir, '.C.partial');
  const { child, done } = startT2v(runArgs('C'), dir);
  await waitForShard(staging, child, done);
  child.kill('SIGINT');
  const result = await done;
  assert.equal(result.code, 130, show(result));
  assert.equal(hasStack(result.stderr), false, show(result));
  assert.deepEqual(messages(result).map((l) => l.replace(/outputs\/crash\/[\w-]+\//g, 'RUN/')), [
    't2v: run aborted',
    't2v: run aborted; see RUN/manifest.json and RUN/run.log',
  ]);
  assert.equal(existsSync(staging), false, 'staging folder removed');
  assert.equal(existsSync(join(dir, 'C')), false, 'no output');

  const runs = (await readdir(join(dir, 'outputs/crash'))).filter((f) => f !== 'dag.lock.json');
  assert.equal(runs.length, 1);
  const manifest = JSON.parse(await readFile(join(dir, 'outputs/crash', runs[0], 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'aborted');
  assert.equal(manifest.params.out, 'C');
  assert.equal(manifest.stages.shards.status, 'aborted');
  const lock = JSON.parse(await readFile(join(dir, 'outputs/crash/dag.lock.json'), 'utf8'));
  assert.equal(lock.stages.shards, undefined, 'an aborted stage is not up to date');
});
