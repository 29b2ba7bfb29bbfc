/**
 * The training stages' shared resume test: a run killed after a checkpoint is refused without --resume
 * (no stack trace), then resumed, and must end with the same bytes as a run never interrupted; a resume
 * with another config is refused and changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasStack, messages, show, startT2v, t2v } from './cli.ts';

/** sha256 of every file under a folder, by relative path. */
export async function fileTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const name of (await readdir(d)).sort()) {
      const path = join(d, name);
      if ((await stat(path)).isDirectory()) await walk(path);
      else out[relative(root, path)] = createHash('sha256').update(await readFile(path)).digest('hex');
    }
  };
  await walk(root);
  return out;
}

export interface KillAndResumeArgs {
  /** The tests' working folder. */
  dir: string;
  /** The t2v arguments of the whole run into folder `out` (relative to dir), with extra flags. */
  args: (out: string, extra?: string[]) => string[];
  /** The uninterrupted run's folder (made first if it is not there) and the killed run's. */
  reference: string;
  killed: string;
  /** The checkpoint after which the run is killed, e.g. 'step-00000002'. */
  killAfter: string;
  timeoutMs?: number;
  /** The reference must hold more files than this (checkpoints, samples and a model). */
  minFiles?: number;
  /** Full t2v arguments of a resume with another config against the killed run's checkpoints: refused, nothing changed. */
  mismatch?: string[];
}

export async function assertKilledRunResumesExactly(a: KillAndResumeArgs): Promise<void> {
  const { dir } = a;
  const reference = join(dir, a.reference);
  if (!existsSync(join(reference, 'model'))) {
    const made = await t2v(a.args(a.reference), dir);
    assert.equal(made.code, 0, show(made));
  }
  const { child, done } = startT2v(a.args(a.killed), dir);
  const deadline = Date.now() + (a.timeoutMs ?? 60_000);
  while (!existsSync(join(dir, a.killed, 'checkpoints', a.killAfter)) && Date.now() < deadline) await sleep(2);
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL', `the run ended before it could be killed: ${show(killed)}`);
  assert.ok(!existsSync(join(dir, a.killed, 'model')), 'killed before the end');

  const refused = await t2v(a.args(a.killed), dir);
  assert.notEqual(refused.code, 0);
  assert.match(messages(refused).join('\n'), /already holds checkpoints up to step \d+: run with --resume/);
  assert.ok(!hasStack(refused.stderr), refused.stderr);

  const resumed = await t2v(a.args(a.killed, ['--resume']), dir);
  assert.equal(resumed.code, 0, show(resumed));
  assert.match(resumed.stderr, /resuming from step \d/);
  const [b, expected] = [await fileTree(join(dir, a.killed)), await fileTree(reference)];
  assert.ok(Object.keys(expected).length > (a.minFiles ?? 0), `the reference holds ${Object.keys(expected).length} files`);
  assert.deepEqual(b, expected);

  if (a.mismatch !== undefined) {
    const mismatch = await t2v(a.mismatch, dir);
    assert.notEqual(mismatch.code, 0);
    assert.match(messages(mismatch).join('\n'), /trained with another config/);
    assert.deepEqual(await fileTree(join(dir, a.killed)), expected, 'a refused resume changes nothing');
  }
}
