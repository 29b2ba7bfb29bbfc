import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDag } from '../../pipeline/dag/validateDag.ts';
import { runDag } from '../../pipeline/run/runDag.ts';
import { resetProbe, testRegistry } from '../helpers/testStages.ts';
import { tempDir } from '../helpers/tmp.ts';

async function run(yaml: string, extra: Partial<Parameters<typeof runDag>[0]> = {}) {
  const dir = await tempDir();
  const dag = validateDag({ text: yaml, file: 'test.yaml', registry: testRegistry });
  return runDag({ dag, registry: testRegistry, runsDir: dir, cwd: dir, progress: 'none', write: () => undefined, ...extra });
}

test('a fast source never runs ahead of a slow sink by more than the sum of the buffers', async () => {
  const probe = resetProbe();
  const result = await run(`
name: bp
stages:
  src: {uses: count-source, with: {count: 200}}
  mid: {uses: delay, from: src, buffer: 3}
  out: {uses: slow-sink, from: mid, buffer: 4, with: {delayMs: 2}}
`);
  assert.equal(result.status, 'succeeded', String(result.error));
  assert.equal(probe.consumed, 200);
  assert.ok(probe.peakInFlight <= 3 + 4, `peak in flight ${probe.peakInFlight} > 7`);
  assert.ok(probe.peakInFlight >= 4, `peak ${probe.peakInFlight}: the buffers should actually fill with a slow sink`);
  assert.equal(result.edgePeaks.get('src->mid'), 3);
  assert.equal(result.edgePeaks.get('mid->out'), 4);
});

test('with concurrency the bound holds and outputs keep input order', async () => {
  const probe = resetProbe();
  const result = await run(`
name: bp
stages:
  src: {uses: count-source, with: {count: 60}}
  mid: {uses: delay, from: src, buffer: 6, concurrency: 4, with: {delayMs: 3}}
  out: {uses: slow-sink, from: mid, buffer: 2, with: {delayMs: 1}}
`);
  assert.equal(result.status, 'succeeded', String(result.error));
  assert.ok(probe.peakInFlight <= 8, `peak in flight ${probe.peakInFlight}`);
  assert.deepEqual(probe.received.map((r) => (r as { n: number }).n), [...Array(60).keys()]);
});

test('fan-out: the slowest consumer sets the pace; each edge stays within its buffer', async () => {
  const probe = resetProbe();
  const result = await run(`
name: fan
stages:
  src: {uses: count-source, with: {count: 100}}
  fast: {uses: delay, from: src, buffer: 2, with: {tag: f}}
  slow: {uses: delay, from: src, buffer: 5, with: {delayMs: 1, tag: s}}
  join: {uses: slow-sink, from: [fast, slow], buffer: 3, with: {delayMs: 1}}
`);
  assert.equal(result.status, 'succeeded', String(result.error));
  assert.equal(probe.consumed, 200, 'fan-in receives the items of both branches');
  for (const [edge, peak] of result.edgePeaks) {
    const cap = { 'src->fast': 2, 'src->slow': 5, 'fast->join': 3, 'slow->join': 3 }[edge];
    assert.ok(cap !== undefined && peak <= cap, `${edge} peaked at ${peak}`);
  }
  const fromFast = probe.received.filter((r) => (r as { via: string[] }).via[0] === 'f').length;
  assert.equal(fromFast, 100);
});

test('one input can give many outputs, pulled one at a time', async () => {
  const probe = resetProbe();
  const result = await run(`
name: split
stages:
  src: {uses: count-source, with: {count: 5}}
  many: {uses: split, from: src, with: {copies: 1000}}
  out: {uses: slow-sink, from: many, buffer: 2}
`);
  assert.equal(result.status, 'succeeded', String(result.error));
  assert.equal(probe.consumed, 5000);
  assert.ok(result.edgePeaks.get('many->out')! <= 2);
  assert.equal(result.stats.get('many')!.out, 5000);
});

test('a stage that completes early stops its upstream: an endless source ends within the buffers', async () => {
  const probe = resetProbe();
  const result = await run(`
name: early
stages:
  src: {uses: count-source, with: {count: 1000000000}}
  mid: {uses: delay, from: src, buffer: 3}
  out: {uses: slow-sink, from: mid, buffer: 2, with: {completeAfter: 25}}
`);
  assert.equal(result.status, 'succeeded', String(result.error));
  assert.ok(probe.consumed >= 25 && probe.consumed <= 25 + 2, `consumed ${probe.consumed}`);
  assert.ok(probe.produced <= 25 + 3 + 2 + 1, `the source stopped (produced ${probe.produced})`);
  assert.deepEqual(probe.finished, ['out'], 'the sink still finishes normally');
  assert.equal(result.stats.get('src')!.status, 'done');
});

test('with fan-out, a branch that completes early does not stop the other branch', async () => {
  const probe = resetProbe();
  const result = await run(`
name: early-fan
stages:
  src: {uses: count-source, with: {count: 300}}
  short: {uses: delay, from: src, with: {tag: short}}
  long: {uses: delay, from: src, with: {tag: long}}
  shortSink: {uses: slow-sink, from: short, with: {completeAfter: 5}}
  longSink: {uses: slow-sink, from: long}
`);
  assert.equal(result.status, 'succeeded', String(result.error));
  const longItems = probe.received.filter((r) => (r as { via: string[] }).via[0] === 'long').length;
  const shortItems = probe.received.filter((r) => (r as { via: string[] }).via[0] === 'short').length;
  assert.equal(longItems, 300);
  assert.ok(shortItems < 300, `the short branch stopped early (${shortItems})`);
  assert.equal(probe.produced, 300);
});
