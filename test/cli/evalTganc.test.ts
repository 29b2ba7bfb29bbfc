/**
 * `t2v eval` on the shipped TGANs-C model (cpu backend): the summary, --truncation, --by-caption and
 * --out; and the shipped model does what its captions say on most videos, seen and unseen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { show, t2v } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SHIPPED = fileURLToPath(new URL('../../models/pretrained/tganc-sbmg', import.meta.url));
const dir = await tempDir('t2v-eval-tganc-');

test('eval of the shipped model: accuracy well above chance on seen and unseen captions; --truncation is reported and recorded', async () => {
  const result = await t2v(['eval', '--model', SHIPPED, '--backend', 'cpu', '--per-caption', '3', '--truncation', '0.7', '--by-caption', '--out', 'eval.json'], dir);
  assert.equal(result.code, 0, show(result));
  assert.match(result.stdout, /^model .*tganc-sbmg \(backend cpu, 60 videos, [\d.]+ s, truncation 0\.7\)$/m);
  const report = JSON.parse(await readFile(join(dir, 'eval.json'), 'utf8'));
  assert.equal(report.truncation, 0.7);
  assert.equal(report.byCaption.length, 20, '16 seen and 4 unseen captions');
  assert.equal(report.byCaption.filter((r: { unseen: boolean }) => r.unseen).length, 4);
  // Chance is 5% (one digit in 10, one motion in 2); a model that ignored its captions would be near it.
  assert.ok(report.scores.seenBoth >= 0.75, `seen ${report.scores.seenBoth}`);
  assert.ok(report.scores.unseenBoth >= 0.75, `unseen ${report.scores.unseenBoth}`);
  assert.ok(report.scores.diversity > 0.02, 'no caption collapsed to one video');
});
