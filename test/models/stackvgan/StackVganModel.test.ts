/**
 * StackGAN-I -> VGAN on the cpu backend at the tiny config: the text phase trains only the text side, the
 * GAN phase only the GANs (text frozen), all losses finite; the same seed gives the same bits, another
 * seed other ones; the config and the word table reject bad values.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { STACKVGAN_LOSSES } from '../../../models/stackvgan/StackVganModel.ts';
import { tinyStackVganArgs, validateStackVganArgs } from '../../../models/stackvgan/StackVganConfig.ts';
import { randomWordTable } from '../../../models/stackvgan/wordTable.ts';
import { clips, trainer, vocabulary, weightBits } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

test('text steps train only the text side, GAN steps only the GANs; every loss finite', () => {
  const t = trainer({ textSteps: 2 });
  const m = t.model;
  const text = () => weightBits(Object.values(m.text.networks()));
  const gans = () => weightBits([m.conditioning, m.imageGenerator, m.imageDiscriminator.model, m.videoGenerator, m.videoDiscriminator.model]);
  const text0 = text();
  const gans0 = gans();
  const started = Date.now();
  const r1 = t.trainStep(clips(1));
  assert.equal(r1.phase, 'text');
  assert.deepEqual(Object.keys(r1.losses).sort(), ['pull', 'push', 'siamese', 'vaeKl', 'vaeLoss', 'vaeReconstruction']);
  const r2 = t.trainStep(clips(2));
  assert.equal(r2.phase, 'text');
  for (const r of [r1, r2]) for (const [name, v] of Object.entries(r.losses)) assert.ok(Number.isFinite(v), `${name} ${v}`);
  assert.ok(Math.abs(r1.losses.siamese! - (r1.losses.pull! + r1.losses.push!)) < 1e-5);
  assert.notDeepEqual(text(), text0, 'the text side moved');
  assert.deepEqual(gans(), gans0, 'the GANs did not move in the text phase');

  const text2 = text();
  const tensors = tf.memory().numTensors;
  const results = [3, 4, 5].map((s) => t.trainStep(clips(s)));
  for (const r of results) {
    assert.equal(r.phase, 'gan');
    const names = Object.keys(r.losses).sort();
    assert.deepEqual(names, ['caKl', 'd1Fake', 'd1Loss', 'd1Real', 'd1Wrong', 'd2Fake', 'd2Loss', 'd2Real', 'd2Wrong', 'g1Adversarial', 'g1Loss', 'g2Adversarial', 'g2Loss', 'maskL1']);
    for (const name of names) assert.ok(Number.isFinite(r.losses[name as (typeof STACKVGAN_LOSSES)[number]]!), `${name}: ${JSON.stringify(r.losses)}`);
    const l = r.losses;
    assert.ok(Math.abs(l.g1Loss! - (l.g1Adversarial! + 2 * l.caKl!)) < 1e-4, 'g1 = adversarial + 2·KL');
    assert.ok(Math.abs(l.g2Loss! - (l.g2Adversarial! + 0.1 * l.maskL1!)) < 1e-4, 'g2 = adversarial + 0.1·mask L1');
    assert.ok(Math.abs(l.d1Loss! - (l.d1Real! + l.d1Fake! + l.d1Wrong!)) < 1e-4);
    assert.ok(l.maskL1! > 0 && l.maskL1! < 1);
  }
  const seconds = (Date.now() - started) / 1000 / 5;
  console.log(`# tiny config: ${seconds.toFixed(2)} s/step on cpu (2 text + 3 gan steps)`);
  // Past the first GAN step every optimiser slot exists: a step makes no new tensors.
  const settled = tf.memory().numTensors;
  t.trainStep(clips(6));
  assert.equal(tf.memory().numTensors, settled, 'no leaked tensors');
  assert.ok(settled >= tensors);
  assert.deepEqual(text(), text2, 'the text side is frozen in the GAN phase');
  assert.notDeepEqual(gans(), gans0, 'the GANs moved');
  assert.equal(m.step, 6);
  m.dispose();
});

test('deterministic: the same seed gives the same losses and weights; another seed other ones', () => {
  const run = (seed: number) => {
    const t = trainer({ seed, textSteps: 1 });
    const results = [1, 2].map((s) => t.trainStep(clips(s)));
    const bits = weightBits(Object.values(t.model.networks()));
    t.model.dispose();
    return { results, bits };
  };
  const a = run(3);
  const b = run(3);
  assert.deepEqual(b.results, a.results);
  assert.deepEqual(b.bits, a.bits);
  assert.notDeepEqual(run(4).results, a.results);
});

test('a batch whose captions are all equal leaves the wrong-caption terms out', () => {
  const t = trainer({ textSteps: 1 });
  const same = clips(1).map((c) => ({ ...c, caption: 'digit 1 is moving up and down', tokens: 'digit 1 is moving up and down'.split(' ') }));
  const text = t.trainStep(same);
  assert.equal(text.losses.push, 0, 'no mismatched pairs to push');
  const gan = t.trainStep(same);
  assert.equal(gan.losses.d1Wrong, undefined);
  assert.equal(gan.losses.d2Wrong, undefined);
  assert.ok(Math.abs(gan.losses.d2Loss! - (gan.losses.d2Real! + gan.losses.d2Fake!)) < 1e-4);
  t.model.dispose();
});

test('stage2Input stage1: Stage-II animates the Stage-I sample (other losses than the real frame)', () => {
  const a = trainer({ textSteps: 0 });
  const b = trainer({ textSteps: 0, stage2Input: 'stage1' });
  const ra = a.trainStep(clips(1));
  const rb = b.trainStep(clips(1));
  assert.equal(rb.losses.g1Loss, ra.losses.g1Loss, 'Stage-I is the same');
  assert.notEqual(rb.losses.g2Loss, ra.losses.g2Loss);
  a.model.dispose();
  b.model.dispose();
});

test('config and word table: bad values are RangeErrors naming the field; random word vectors are unit, seeded per word', () => {
  assert.throws(() => validateStackVganArgs({ ...tinyStackVganArgs(), size: 18 }), /size must be a multiple of 4/);
  assert.throws(() => validateStackVganArgs({ ...tinyStackVganArgs(), imageGChannels: [] }), /imageGChannels/);
  assert.throws(() => validateStackVganArgs({ ...tinyStackVganArgs(), margin: 2 }), /margin/);
  assert.throws(() => trainer({ klWeight: -1 }), /klWeight/);
  const v = vocabulary();
  const table = randomWordTable(v, 32, 0);
  assert.equal(table.matrix.length, v.size * 32);
  for (let id = 0; id < v.size; id++) {
    const row = table.matrix.subarray(id * 32, (id + 1) * 32);
    const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0));
    if (id < 2) assert.equal(norm, 0, '<pad> and <unk> are zero rows');
    else assert.ok(Math.abs(norm - 1) < 1e-5, `row ${id} has norm ${norm}`);
  }
  // The same word, the same vector, whatever its id in another vocabulary.
  const other = randomWordTable(vocabulary(), 32, 0);
  assert.deepEqual(other.matrix, table.matrix);
  const id = v.id('digit');
  assert.notDeepEqual(randomWordTable(v, 32, 1).matrix.subarray(id * 32, id * 32 + 32), table.matrix.subarray(id * 32, id * 32 + 32), 'another seed, other vectors');
});
