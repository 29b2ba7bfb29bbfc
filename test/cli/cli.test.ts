import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { LINE_HEIGHT } from '../../media/bitmapFont.ts';
import { probeVideoSize, readFrames } from '../../media/ffmpeg.ts';
import { decodePng } from '../../media/png.ts';
import { hasStack, messages, show, t2v, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const DAG = `# a small DAG for CLI tests
name: small
params:
  out: data/digits
  count: 12
stages:
  digits:
    uses: bouncing-digits
    with: {count: "\${params.count}", seed: 3, split: random, valFraction: 0.5}
  shards:
    uses: write-shards
    from: digits
    with: {out: "\${params.out}"}
`;

const BROKEN = `name: broken
stages:
  digits:
    uses: bouncing-digits
    with: {count: 5, seed: 1}
  shards:
    uses: write-shardz
    from: digits
`;

let dir: string;
/** A dataset made once by `t2v run`, shared by the export and preview tests. */
let dataset: string;
let made: CliResult;

before(async () => {
  // Shared by every test of the file (tempDir() would remove it after the first test).
  dir = await mkdtemp(join(tmpdir(), 't2v-cli-'));
  await writeFile(join(dir, 'small.yaml'), DAG);
  await writeFile(join(dir, 'broken.yaml'), BROKEN);
  made = await t2v(['run', 'small.yaml', '--progress', 'none'], dir);
  dataset = join(dir, 'data/digits');
});
after(() => rm(dir, { recursive: true, force: true }));

/** The result's stderr holds exactly these t2v lines and no stack trace. */
function assertMessages(result: CliResult, expected: RegExp[]): void {
  const lines = messages(result);
  assert.equal(lines.length, expected.length, show(result));
  lines.forEach((line, i) => assert.match(line, expected[i], show(result)));
  assert.equal(hasStack(result.stderr + result.stdout), false, show(result));
}

test('run writes the dataset and says where', async () => {
  assert.equal(made.code, 0, show(made));
  assert.match(made.stdout, /^run succeeded: 2 stage\(s\) ran, 0 up to date$/m);
  assert.match(made.stdout, /^ {2}shards: data\/digits$/m);
  assert.match(made.stdout, /^ {2}run record: outputs\/small\/[\w-]+\/manifest\.json$/m);
  const meta = (await Dataset.open(dataset)).meta;
  assert.equal(meta.clips, 12);
  assert.ok((meta.splits.val ?? 0) >= 2, 'enough val clips for the export test');

});

test('validate: 0 and a summary for a good DAG, 2 and file:line:col for a broken one', async () => {
  const [good, bad] = await Promise.all([t2v(['validate', 'small.yaml'], dir), t2v(['validate', 'broken.yaml'], dir)]);
  assert.equal(good.code, 0, show(good));
  assert.equal(good.stdout, 'small.yaml: valid DAG "small" with 2 stages (digits: bouncing-digits, shards: write-shards)\n');
  assert.equal(good.stderr, '');

  assert.equal(bad.code, 2, show(bad));
  assertMessages(bad, [/^t2v: broken\.yaml:7:11 \(stage "shards"\): unknown stage type "write-shardz" \(known types: .*write-shards.*\)$/]);
  assert.equal(bad.stdout, '');
});

test('usage errors exit 2 with one line and write nothing', async () => {
  const empty = await tempDir('t2v-cli-usage-');
  await writeFile(join(empty, 'small.yaml'), DAG);
  const [unknownParam, unknownFlag, unknownCommand] = await Promise.all([
    t2v(['run', 'small.yaml', '--set', 'unknown=1'], empty),
    t2v(['run', 'small.yaml', '--frobnicate'], empty),
    t2v(['bogus'], empty),
  ]);
  assert.equal(unknownParam.code, 2, show(unknownParam));
  assertMessages(unknownParam, [/^t2v: unknown param "unknown" in --set for small\.yaml \(known params: count, out\)$/]);
  assert.equal(unknownFlag.code, 2, show(unknownFlag));
  assert.match(messages(unknownFlag)[0] ?? '', /^t2v: Unknown option '--frobnicate'/);
  assert.match(unknownFlag.stderr, /^usage: t2v run DAG/m);
  assert.equal(unknownCommand.code, 2, show(unknownCommand));
  assertMessages(unknownCommand, [/^t2v: unknown command "bogus" \(commands: run, validate, graph, export, preview, generate, eval, quantize, stages\)$/]);
  assert.deepEqual(await readdir(empty), ['small.yaml'], 'nothing was written');
});

test('graph prints a Mermaid flowchart with every edge', async () => {
  const result = await t2v(['graph', 'small.yaml'], dir);
  assert.equal(result.code, 0, show(result));
  const lines = result.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'flowchart LR');
  assert.ok(lines.includes('  digits --> shards'), result.stdout);
  assert.equal(lines.filter((l) => l.includes('-->')).length, 1);
  assert.ok(lines.some((l) => /^ {2}digits\[".*bouncing-digits.*"\]$/.test(l)), result.stdout);
});

test('run --dry-run says what would run and writes nothing', async () => {
  const fresh = await tempDir('t2v-cli-dry-');
  await writeFile(join(fresh, 'small.yaml'), DAG);
  const dry = await t2v(['run', 'small.yaml', '--dry-run'], fresh);
  assert.equal(dry.code, 0, show(dry));
  assert.equal(dry.stdout, 'run   digits: feeds "shards"\nrun   shards: config, inputs or outputs changed\n');
  assert.deepEqual(await readdir(fresh), ['small.yaml'], 'no outputs, no run folder');
});

test('export --format gif --limit 3: three GIFs and a manifest', async () => {
  const out = join(dir, 'gifs');
  const result = await t2v(['export', dataset, '--out', out, '--format', 'gif', '--limit', '3'], dir);
  assert.equal(result.code, 0, show(result));
  assert.match(result.stdout, /^ {2}videos: gifs$/m);
  const files = (await readdir(out)).sort();
  assert.deepEqual(files, ['manifest.jsonl', 'sbmg-000000.gif', 'sbmg-000001.gif', 'sbmg-000002.gif']);
  const clips = [];
  for await (const clip of (await Dataset.open(dataset)).stream({ limit: 3 })) clips.push(clip);
  const lines = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, clips.map((c) => ({ video: `${c.id}.gif`, caption: c.caption })));
  for (const { video } of lines) assert.deepEqual(await probeVideoSize(join(out, video)), { width: 128, height: 128 });
});

test('export --format mp4 --split val --limit 2: decodable MP4s of val clips', async () => {
  const out = join(dir, 'mp4');
  const result = await t2v(['export', dataset, '--out', out, '--format', 'mp4', '--split', 'val', '--limit', '2'], dir);
  assert.equal(result.code, 0, show(result));
  const clips = [];
  for await (const clip of (await Dataset.open(dataset)).stream({ split: 'val', limit: 2 })) clips.push(clip);
  assert.equal(clips.length, 2);
  const lines = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines, clips.map((c) => ({ video: `${c.id}.mp4`, caption: c.caption })));
  assert.deepEqual((await readdir(out)).sort(), [...clips.map((c) => `${c.id}.mp4`), 'manifest.jsonl'].sort());
  for (const { video } of lines) {
    const path = join(out, video);
    assert.deepEqual(await probeVideoSize(path), { width: 128, height: 128 });
    const frames = await readFrames(path, { width: 128, height: 128, pixFmt: 'gray' });
    assert.equal(frames.length, 16 * 128 * 128, 'all 16 frames, 2x upscaled');
  }
});

test('export of a folder that is not a dataset: exit 1, one line naming dataset.json', async () => {
  const notDataset = join(dir, 'plain');
  await mkdir(notDataset);
  const result = await t2v(['export', notDataset, '--out', join(dir, 'never')], dir);
  assert.equal(result.code, 1, show(result));
  assertMessages(result, [new RegExp(`^t2v: ${join(notDataset, 'dataset.json')}: not a t2v dataset \\(no dataset\\.json\\)$`)]);
  assert.equal(existsSync(join(dir, 'never')), false);

});

test('preview writes a contact-sheet PNG', async () => {
  const out = join(dir, 'sheet.png');
  const result = await t2v(['preview', dataset, '--out', out, '--limit', '3'], dir);
  assert.equal(result.code, 0, show(result));
  const png = decodePng(await readFile(out));
  // 8 of 16 frames at 2x with 4 px gaps and padding; per clip one id and one caption line.
  assert.equal(png.width, 2 * 4 + 8 * 128 + 7 * 4);
  assert.equal(png.height, 2 * 4 + 3 * (128 + 2 + 2 * LINE_HEIGHT) + 2 * 4);
  assert.ok(png.data.some((v) => v > 200), 'digits and text are drawn');
});

test('an output that cannot be written: exit 1, one t2v line naming it, no stack trace', async () => {
  const blocker = join(dir, 'a-file');
  await writeFile(blocker, 'not a folder');
  const [proc, underFile] = await Promise.all([
    t2v(['run', 'small.yaml', '--set', 'out=/proc/t2v-nope', '--set', 'count=3', '--progress', 'none'], dir),
    t2v(['run', 'small.yaml', '--set', `out=${blocker}/sub/ds`, '--set', 'count=3', '--progress', 'none'], dir),
  ]);
  for (const [result, path, code] of [
    [proc, '/proc/t2v-nope', 'ENOENT'],
    [underFile, `${blocker}/sub/ds`, 'ENOTDIR'],
  ] as const) {
    assert.equal(result.code, 1, show(result));
    // The error, then where the run record is.
    assertMessages(result, [new RegExp(`^t2v: cannot write ${path}: ${code}: `), /^t2v: run failed; see outputs\/small\/[\w-]+\/manifest\.json and outputs\/small\/[\w-]+\/run\.log$/]);
    assert.equal(result.stdout, '');
  }
  assert.equal(await readFile(blocker, 'utf8'), 'not a folder');

  // An unwritable runs folder fails before anything runs.
  const runs = await t2v(['run', 'small.yaml', '--runs', '/proc/t2v-runs', '--set', 'out=data/other', '--progress', 'none'], dir);
  assert.equal(runs.code, 1, show(runs));
  assertMessages(runs, [/^t2v: cannot write \/proc\/t2v-runs\/small\/[\w-]+: ENOENT: /]);
  assert.equal(existsSync(join(dir, 'data/other')), false);
});
