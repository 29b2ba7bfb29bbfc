/**
 * `t2v eval --model DIR` with a U-Net model folder (kind unet) on the cpu backend: rollouts from the first
 * frames of train (seen) and val (unseen) clips of the dataset it was trained on, scored by the shipped
 * digit evaluator, printed as for TGANs-C, with a line saying which frames were given and which scored.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { show, t2v } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';
import { makeUnetFixture } from '../helpers/unetFixture.ts';

const dir = await tempDir('t2v-eval-unet-');

before(async () => {
  await makeUnetFixture(dir);
});

test('eval on a U-Net model prints seen and unseen accuracy and says the first window frames are given', async () => {
  const result = await t2v(['eval', '--model', 'model', '--backend', 'cpu', '--per-caption', '2', '--out', 'eval.json'], dir);
  assert.equal(result.code, 0, show(result));
  const out = result.stdout;
  assert.match(out, /^model model \(backend cpu, \d+ videos, [\d.]+ s\)$/m);
  assert.match(out, /the first 3 frames of a real clip of its caption from data \(seen: train clips, unseen: val clips\); those frames are given, not scored: only the 3 predicted frames are/);
  const pct = String.raw`\s*(\d+\.\d)%`;
  const seen = new RegExp(`^seen${pct}${pct}${pct}\\s+\\((\\d+) captions\\)$`, 'm').exec(out);
  const unseen = new RegExp(`^unseen${pct}${pct}${pct}\\s+\\((\\d+) captions\\)$`, 'm').exec(out);
  assert.ok(seen, out);
  assert.ok(unseen, out);
  assert.ok(Number(seen[4]) > 0 && Number(unseen[4]) > 0, out);
  assert.match(out, /^diversity \d+\.\d{3} /m);
  const report = JSON.parse(await readFile(join(dir, 'eval.json'), 'utf8'));
  assert.equal(report.kind, 'unet');
  assert.equal(report.scores.videos, 2 * (Number(seen[4]) + Number(unseen[4])));
  for (const key of ['seenBoth', 'seenDigit', 'seenMotion', 'unseenBoth', 'unseenDigit', 'unseenMotion']) assert.ok(report.scores[key] >= 0 && report.scores[key] <= 1, key);
});

test('--by-caption prints one row per caption, worst first; --out holds them as byCaption', async () => {
  const result = await t2v(['eval', '--model', 'model', '--backend', 'cpu', '--per-caption', '2', '--by-caption', '--out', 'by-caption.json'], dir);
  assert.equal(result.code, 0, show(result));
  const report = JSON.parse(await readFile(join(dir, 'by-caption.json'), 'utf8'));
  const captions = new Set(report.byCaption.map((r: { caption: string }) => r.caption));
  assert.equal(captions.size, report.byCaption.length);
  assert.ok(report.byCaption.length >= 2);
  const both = report.byCaption.map((r: { bothAccuracy: number }) => r.bothAccuracy);
  assert.deepEqual(both, [...both].sort((a: number, b: number) => a - b), 'worst first');
  assert.equal(report.byCaption.reduce((n: number, r: { videos: number }) => n + r.videos, 0), report.scores.videos);
  assert.match(result.stdout, /^ {2}both {4}digit {3}motion {2}videos {2}caption$/m);
  const rows = result.stdout.split('\n').filter((line) => /^\s*\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%\s+2\s+(\(unseen\) )?digit \d is moving/.test(line));
  assert.equal(rows.length, report.byCaption.length, result.stdout);
  for (const row of report.byCaption) {
    if (row.bothAccuracy < 1) assert.ok(rows.some((line) => line.includes(row.caption) && /\[(drew|moved) /.test(line)), `${row.caption}: its mistakes are named`);
  }
});

test('--truncation on a U-Net model is refused: it draws no noise', async () => {
  const result = await t2v(['eval', '--model', 'model', '--backend', 'cpu', '--per-caption', '1', '--truncation', '0.5'], dir);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /is a U-Net model: it draws no noise, so there is nothing to truncate/);
});
