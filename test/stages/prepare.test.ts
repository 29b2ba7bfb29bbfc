import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClipShape } from '../../datasets/clip.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { decodePng } from '../../media/png.ts';
import { LINE_HEIGHT } from '../../media/bitmapFont.ts';
import { validateDag } from '../../pipeline/dag/validateDag.ts';
import { StageError } from '../../pipeline/errors/index.ts';
import { runDag, type RunDagArgs, type RunResult } from '../../pipeline/run/runDag.ts';
import { builtinStages } from '../../stages/index.ts';
import { tempDir } from '../helpers/tmp.ts';

const DAGS = new URL('../../dags/', import.meta.url);
const registry = builtinStages();

/** Validate a DAG (a file under dags/ or YAML text) with `--set` overrides and run it inside `dir`. */
async function run(dir: string, dag: { file: string } | { text: string }, overrides: string[] = [], extra: Partial<RunDagArgs> = {}): Promise<RunResult> {
  const file = 'file' in dag ? new URL(dag.file, DAGS).pathname : 'inline.yaml';
  const text = 'file' in dag ? await readFile(file, 'utf8') : dag.text;
  const spec = validateDag({ text, file, registry, overrides });
  return runDag({ dag: spec, registry, runsDir: join(dir, 'runs'), cwd: dir, progress: 'none', write: () => undefined, ...extra });
}

function actions(result: RunResult): Record<string, string> {
  return Object.fromEntries([...result.plan.values()].map((p) => [p.id, p.action]));
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** sha256 of every file in a folder, by name. */
async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await sha256(join(dir, name));
  return out;
}

/** Contact-sheet size for `clips` 64x64 clips of 16 frames with one-line captions (see contactSheet.ts). */
function sheetSize(clips: number): { width: number; height: number } {
  const padding = 4;
  const gap = 4;
  const cell = 64 * 2;
  const row = cell + 2 + 2 * LINE_HEIGHT; // frames, text gap, id line, caption line
  return { width: 2 * padding + 8 * cell + 7 * gap, height: 2 * padding + clips * row + (clips - 1) * gap };
}

async function checkPrepared(dir: string, out: string, expected: { shape: ClipShape; count: number; source: string; caption: RegExp }) {
  const dataset = await Dataset.open(join(dir, out));
  assert.deepEqual(dataset.meta.shape, expected.shape);
  assert.equal(dataset.size, expected.count);
  assert.deepEqual(dataset.meta.sources, { [expected.source]: expected.count });
  assert.equal((dataset.meta.splits.train ?? 0) + (dataset.meta.splits.val ?? 0), expected.count);
  assert.ok((dataset.meta.splits.val ?? 0) > 0, 'some clips are held out for validation');
  assert.ok((await dataset.verify()).every((r) => r.ok));
  let n = 0;
  for await (const clip of dataset.stream()) {
    assert.deepEqual(clip.shape, expected.shape);
    assert.equal(clip.frames.length, expected.shape.reduce((a, b) => a * b, 1));
    assert.match(clip.caption, expected.caption);
    assert.ok(clip.frames.some((v) => v > 0), `${clip.id} is not blank`);
    n++;
  }
  assert.equal(n, expected.count);

  const png = decodePng(await readFile(join(dir, `${out}-preview.png`)));
  assert.deepEqual({ width: png.width, height: png.height }, sheetSize(8));

  const gifs = join(dir, `${out}-gifs`);
  const files = await readdir(gifs);
  assert.equal(files.filter((f) => f.endsWith('.gif')).length, 16);
  assert.deepEqual(files.filter((f) => !f.endsWith('.gif')), ['manifest.jsonl']);
  const lines = (await readFile(join(gifs, 'manifest.jsonl'), 'utf8')).split('\n');
  assert.equal(lines.pop(), '', 'manifest ends with a newline');
  assert.equal(lines.length, 16);
  const captions = new Map<string, string>();
  for await (const clip of dataset.stream({ limit: 16 })) captions.set(`${clip.id}.gif`, clip.caption);
  for (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(entry), ['video', 'caption']);
    assert.equal(typeof entry.video, 'string');
    assert.ok(existsSync(join(gifs, entry.video as string)), `${entry.video} exists`);
    assert.equal(entry.caption, captions.get(entry.video as string), 'the caption of the clip the GIF shows');
    const head = (await readFile(join(gifs, entry.video as string))).subarray(0, 6).toString('latin1');
    assert.match(head, /^GIF8[79]a$/);
  }
}

test('sbmg-prepare: shards, preview, GIFs; reproducible; up-to-date stages skip; force and param changes re-run', async () => {
  const dir = await tempDir();
  const set = (out: string, count = 40) => [`count=${count}`, `out=${out}`];
  const first = await run(dir, { file: 'sbmg-prepare.yaml' }, set('a/sbmg'));
  assert.equal(first.status, 'succeeded', String(first.error));
  assert.deepEqual(actions(first), { digits: 'run', shards: 'run', preview: 'run', gifs: 'run' });
  await checkPrepared(dir, 'a/sbmg', { shape: [16, 64, 64, 1], count: 40, source: 'sbmg', caption: /^digit \d is moving (up and down|left and right)$/ });

  // Same seed into another folder of the same name (own runs folder, so its lock is separate): byte-identical.
  const second = await run(dir, { file: 'sbmg-prepare.yaml' }, set('b/sbmg'), { runsDir: join(dir, 'runs-b') });
  assert.equal(second.status, 'succeeded', String(second.error));
  assert.deepEqual(await hashes(join(dir, 'b/sbmg')), await hashes(join(dir, 'a/sbmg')));
  assert.deepEqual(await hashes(join(dir, 'b/sbmg-gifs')), await hashes(join(dir, 'a/sbmg-gifs')));
  assert.equal(await sha256(join(dir, 'b/sbmg-preview.png')), await sha256(join(dir, 'a/sbmg-preview.png')));

  // Nothing changed: every stage is skipped and no file is touched.
  const stamp = async () => Promise.all(['a/sbmg', 'a/sbmg/dataset.json', 'a/sbmg-gifs', 'a/sbmg-preview.png'].map(async (p) => (await stat(join(dir, p))).mtimeMs));
  const before = await stamp();
  const again = await run(dir, { file: 'sbmg-prepare.yaml' }, set('a/sbmg'));
  assert.equal(again.status, 'succeeded', String(again.error));
  assert.deepEqual(actions(again), { digits: 'skip', shards: 'skip', preview: 'skip', gifs: 'skip' });
  assert.deepEqual([...again.stats.values()].map((s) => s.status), ['skipped', 'skipped', 'skipped', 'skipped']);
  assert.deepEqual(await stamp(), before);

  // --force shards: shards and the source feeding it run; preview and gifs stay up to date.
  const gifsBefore = (await stat(join(dir, 'a/sbmg-gifs'))).ino;
  const forced = await run(dir, { file: 'sbmg-prepare.yaml' }, set('a/sbmg'), { force: ['shards'] });
  assert.equal(forced.status, 'succeeded', String(forced.error));
  assert.deepEqual(actions(forced), { digits: 'run', shards: 'run', preview: 'skip', gifs: 'skip' });
  assert.equal(forced.plan.get('shards')!.reason, 'forced');
  assert.equal((await stat(join(dir, 'a/sbmg-gifs'))).ino, gifsBefore, 'gifs folder not replaced');
  assert.equal(forced.results.get('shards')?.clips, 40);
  assert.deepEqual(await hashes(join(dir, 'a/sbmg')), await hashes(join(dir, 'b/sbmg')), 'the re-run wrote the same bytes');

  // A changed param changes the fingerprints: everything downstream of the source runs again.
  const changed = await run(dir, { file: 'sbmg-prepare.yaml' }, set('a/sbmg', 30));
  assert.equal(changed.status, 'succeeded', String(changed.error));
  assert.deepEqual(actions(changed), { digits: 'run', shards: 'run', preview: 'run', gifs: 'run' });
  assert.equal(changed.plan.get('shards')!.reason, 'config, inputs or outputs changed');
  assert.equal((await Dataset.open(join(dir, 'a/sbmg'))).size, 30);

  // Removing an output makes its stage out of date (and only it, plus its feeder).
  await rm(join(dir, 'a/sbmg-preview.png'));
  const repaired = await run(dir, { file: 'sbmg-prepare.yaml' }, set('a/sbmg', 30));
  assert.deepEqual(actions(repaired), { digits: 'run', shards: 'skip', preview: 'run', gifs: 'skip' });
  assert.ok(existsSync(join(dir, 'a/sbmg-preview.png')));
});

test('tbmg-prepare: two-digit clips with two-part captions', async () => {
  const dir = await tempDir();
  const result = await run(dir, { file: 'tbmg-prepare.yaml' }, ['count=30', 'out=tbmg']);
  assert.equal(result.status, 'succeeded', String(result.error));
  await checkPrepared(dir, 'tbmg', {
    shape: [16, 64, 64, 1],
    count: 30,
    source: 'tbmg',
    caption: /^digit \d is moving (up and down|left and right) and digit \d is moving (up and down|left and right)$/,
  });
});

test('shapes-prepare: RGB clips', async () => {
  const dir = await tempDir();
  const result = await run(dir, { file: 'shapes-prepare.yaml' }, ['count=30', 'out=shapes']);
  assert.equal(result.status, 'succeeded', String(result.error));
  await checkPrepared(dir, 'shapes', { shape: [16, 64, 64, 3], count: 30, source: 'shapes', caption: /is moving/ });
});

/** Two sources whose clips differ in shape, fanned into one write-shards stage. */
function mixedDag(onError: 'skip' | 'fail'): string {
  return `
name: mixed
stages:
  big:
    uses: bouncing-digits
    with: {digits: 1, count: 12, seed: 1}
  small:
    uses: bouncing-digits
    with: {digits: 2, count: 7, seed: 2, size: 48}
  shards:
    uses: write-shards
    from: [big, small]
    onError: ${onError}
    with: {out: data/mixed}
`;
}

test('onError: skip: clips of the other shape go to rejects.jsonl, the dataset holds the rest', async () => {
  const dir = await tempDir();
  const result = await run(dir, { text: mixedDag('skip') });
  assert.equal(result.status, 'succeeded', String(result.error));
  const dataset = await Dataset.open(join(dir, 'data/mixed'));
  // The fan-in interleaves, so either shape may come first; the other one is refused.
  const bigWon = dataset.meta.shape[1] === 64;
  assert.deepEqual(dataset.meta.shape, bigWon ? [16, 64, 64, 1] : [16, 48, 48, 1]);
  const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
  const kept = bigWon ? ids('sbmg', 12) : ids('tbmg', 7);
  const refused = bigWon ? ids('tbmg', 7) : ids('sbmg', 12);
  const stored: string[] = [];
  for await (const clip of dataset.stream()) stored.push(clip.id);
  assert.deepEqual([...stored].sort(), kept);

  const rejects = (await readFile(join(result.runDir!, 'rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rejects.map((r) => r.item).sort(), refused);
  for (const r of rejects) {
    assert.equal(r.stage, 'shards');
    assert.match(r.reason, /shape \[16, (48, 48|64, 64), 1\] differs from the dataset's \[16, (64, 64|48, 48), 1\]/);
  }
  assert.equal(result.stats.get('shards')!.rejected, refused.length);
  const manifest = JSON.parse(await readFile(join(result.runDir!, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'succeeded');
  assert.equal(manifest.rejected, refused.length);
});

test('onError: fail: the run fails naming stage and item, and leaves no dataset and no staging folder', async () => {
  const dir = await tempDir();
  const result = await run(dir, { text: mixedDag('fail') });
  assert.equal(result.status, 'failed');
  assert.ok(result.error instanceof StageError, `got ${String(result.error)}`);
  assert.equal(result.error.stage, 'shards');
  assert.match(result.error.item ?? '', /^(sbmg|tbmg)-\d{6}$/);
  assert.match(result.error.message, /^stage "shards" failed on item (sbmg|tbmg)-\d{6}: clip shape \[.*\] differs from the dataset's/);
  assert.equal(result.stats.get('shards')!.status, 'failed');
  assert.deepEqual(await readdir(join(dir, 'data')), [], 'neither data/mixed nor data/.mixed.partial');
  const manifest = JSON.parse(await readFile(join(result.runDir!, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'failed');
  assert.match(manifest.error, /stage "shards" failed on item/);

  // The failed stage is not recorded as up to date: the next run tries it again.
  const lock = JSON.parse(await readFile(join(dir, 'runs/mixed/dag.lock.json'), 'utf8'));
  assert.equal(lock.stages.shards, undefined);
});
