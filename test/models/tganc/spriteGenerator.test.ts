/**
 * The sprite generator (cpu, tiny config): every frame is the same sprite moved (equal pixel mass per
 * frame), what it draws depends on the caption, weights are seeded, TganModel trains with it, and it
 * saves and loads bit-identically.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { FILE_SCHEME } from '../../../models/io/fileSystemIO.ts';
import { tinyTganArgs } from '../../../models/tganc/TganConfig.ts';
import { buildSpriteGenerator, spriteGeneratorArgsFrom } from '../../../models/tganc/spriteGenerator.ts';
import { buildGenerator, generatorArgsFrom } from '../../../models/tganc/generator.ts';
import { TganModel } from '../../../models/tganc/TganModel.ts';
import { tempDir } from '../../helpers/tmp.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const args = tinyTganArgs({ generator: 'sprite', spriteSize: 8, spriteChannels: [8, 4] });
const N = 3;
const noise = () => tf.randomNormal([N, args.noiseDim], 0, 1, 'float32', 21) as tf.Tensor2D;
const sentence = () => tf.randomNormal([N, args.sentenceDim], 0, 1, 'float32', 22) as tf.Tensor2D;

/** Sum of (pixel + 1) / 2 per frame: [N][T]. */
function frameMass(clip: tf.Tensor): number[][] {
  return (tf.sum(tf.div(tf.add(clip, 1), 2), [2, 3, 4]).arraySync() as number[][]);
}

test('every frame is the one drawn sprite moved: [N, T, H, W, C] in [-1, 1] with the same pixel mass in each frame', () => {
  const g = buildSpriteGenerator(spriteGeneratorArgsFrom(args));
  assert.deepEqual(g.outputs[0]!.shape, [null, args.frames, args.size, args.size, 1]);
  assert.ok(g.layers.some((l) => l.getClassName() === 'TganPlaceSprite'));
  // Move the path away from the centre so that frames differ.
  const pathOut = g.getLayer('g_path_out');
  pathOut.setWeights([tf.randomNormal(pathOut.getWeights()[0]!.shape, 0, 0.5, 'float32', 23), tf.zeros([2 * args.frames])]);
  for (const training of [true, false]) {
    const clip = g.apply([noise(), sentence()], { training }) as tf.Tensor;
    assert.deepEqual(clip.shape, [N, args.frames, args.size, args.size, 1]);
    const [min, max] = [clip.min().dataSync()[0]!, clip.max().dataSync()[0]!];
    assert.ok(min >= -1 && max <= 1 && max > min, `range [${min}, ${max}]`);
    for (const frames of frameMass(clip)) {
      for (const m of frames) assert.ok(Math.abs(m - frames[0]!) < 1e-3 * frames[0]!, `frame masses ${frames.join(', ')}`);
    }
    const first = tf.slice(clip, [0, 0], [N, 1]);
    const last = tf.slice(clip, [0, args.frames - 1], [N, 1]);
    assert.ok(tf.max(tf.abs(tf.sub(first, last))).dataSync()[0]! > 0.01, 'the sprite moves');
  }
  // The 3D-convolution generator makes no such promise (a check that the test can fail).
  const conv = buildGenerator(generatorArgsFrom({ ...args, generator: 'conv3d' }));
  const masses = frameMass(conv.apply([noise(), sentence()], { training: true }) as tf.Tensor)[0]!;
  assert.ok(masses.some((m) => Math.abs(m - masses[0]!) > 1e-3 * masses[0]!));
  g.dispose();
  conv.dispose();
});

test('seeded: the same args give the same weights, another seed others; the caption changes the clip', () => {
  const [a, b, c] = [args, args, { ...args, seed: 9 }].map((x) => buildSpriteGenerator(spriteGeneratorArgsFrom(x)));
  const flat = (g: tf.LayersModel) => g.getWeights().map((w) => Array.from(w.dataSync())).flat();
  assert.deepEqual(flat(a!), flat(b!));
  assert.notDeepEqual(flat(a!), flat(c!));
  const z = noise();
  const one = a!.apply([z, sentence()], { training: false }) as tf.Tensor;
  const other = a!.apply([z, tf.reverse(sentence(), 0)], { training: false }) as tf.Tensor;
  assert.ok(tf.max(tf.abs(tf.sub(one, other))).dataSync()[0]! > 0);
  for (const g of [a, b, c]) g!.dispose();
});

test('TganModel trains with it (finite losses, the generator changes); save -> load is bit-identical', async () => {
  const model = new TganModel({ ...args, learningRates: { generator: 1e-2 } });
  const videos = tf.randomUniform([N, args.frames, args.size, args.size, 1], -1, 1, 'float32', 24) as tf.Tensor5D;
  const before = model.generator.getWeights().map((w) => w.clone());
  for (let i = 0; i < 2; i++) {
    const r = model.trainStep({ videos, sentences: sentence(), wrongSentences: tf.reverse(sentence(), 0) as tf.Tensor2D });
    assert.ok(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss), `losses ${r.dLoss}, ${r.gLoss}`);
  }
  const moved = model.generator.getWeights().some((w, i) => tf.max(tf.abs(tf.sub(w, before[i]!))).dataSync()[0]! > 0);
  assert.ok(moved, 'the generator learned nothing');
  const dir = await tempDir('t2v-sprite-');
  await model.generator.save(FILE_SCHEME + join(dir, 'generator'));
  const loaded = await tf.loadLayersModel(FILE_SCHEME + join(dir, 'generator', 'model.json'));
  const z = noise();
  const s = sentence();
  const bits = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer);
  assert.deepEqual(bits(loaded.apply([z, s], { training: false }) as tf.Tensor), bits(model.generator.apply([z, s], { training: false }) as tf.Tensor));
  loaded.dispose();
  model.dispose();
});

test('bad sprite settings are refused by name', () => {
  assert.throws(() => tinyTganArgs({ generator: 'sprite', spriteSize: 16 }), /spriteSize must be smaller than size \(16\)/);
  assert.throws(() => tinyTganArgs({ generator: 'sprite', spriteSize: 6, spriteChannels: [8, 4] }), /spriteSize must be a multiple of 4 \(one doubling per spriteChannels entry\)/);
  assert.throws(() => tinyTganArgs({ generator: 'sprites' as 'sprite' }), /generator must be 'conv3d' or 'sprite'/);
});

test('spriteWordIds / pathWordIds: each stream reads only its words (the sprite is the same whatever the other words say)', () => {
  const split = { ...args, spriteWordIds: [0, 1], pathWordIds: [2, 3] };
  const g = buildSpriteGenerator(spriteGeneratorArgsFrom(split));
  const part = (name: string) => tf.model({ inputs: g.inputs, outputs: g.getLayer(name).output as tf.SymbolicTensor });
  const [sprite, path] = [part('g_sprite'), part('g_path')];
  const z = noise();
  const base = tf.tensor2d([[1, 0, 1, 0, 1, 0]]).tile([N, 1]) as tf.Tensor2D;
  const otherMotion = tf.tensor2d([[1, 0, 0, 1, 0, 1]]).tile([N, 1]) as tf.Tensor2D; // entries 2-5 changed
  const otherDigit = tf.tensor2d([[0, 1, 1, 0, 0, 1]]).tile([N, 1]) as tf.Tensor2D; // entries 0, 1, 4, 5 changed
  const run = (m: tf.LayersModel, s: tf.Tensor2D) => Array.from((m.apply([z, s], { training: false }) as tf.Tensor).dataSync());
  assert.deepEqual(run(sprite, otherMotion), run(sprite, base), 'the sprite ignores the path words');
  assert.notDeepEqual(run(sprite, otherDigit), run(sprite, base), 'the sprite reads its words');
  assert.deepEqual(run(path, otherDigit), run(path, base), 'the path ignores the sprite words');
  assert.notDeepEqual(run(path, otherMotion), run(path, base), 'the path reads its words');
  // Without the lists both streams read everything (a check that the test can fail).
  const whole = buildSpriteGenerator(spriteGeneratorArgsFrom(args));
  const wholeSprite = tf.model({ inputs: whole.inputs, outputs: whole.getLayer('g_sprite').output as tf.SymbolicTensor });
  assert.notDeepEqual(run(wholeSprite, otherMotion), run(wholeSprite, base));
  assert.throws(() => tinyTganArgs({ spriteWordIds: [0] }), /spriteWordIds is a setting of the sprite generator/);
  assert.throws(() => tinyTganArgs({ generator: 'sprite', spriteSize: 8, spriteChannels: [8, 4], pathWordIds: [6] }), /pathWordIds must be a non-empty list of entries of the sentence vector \(0 to 5\)/);
  g.dispose();
  whole.dispose();
});
