/**
 * Generator and discriminators at the tiny config (cpu): shapes, ranges, seeded weights, serialisation
 * (save -> load gives bit-identical outputs).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { FILE_SCHEME } from '../../../models/io/fileSystemIO.ts';
import { defaultTganArgs, tinyTganArgs } from '../../../models/tganc/TganConfig.ts';
import { buildGenerator, generatorArgsFrom, generatorPlan } from '../../../models/tganc/generator.ts';
import { buildDiscriminator, DISCRIMINATOR_KINDS, discriminatorArgsFrom } from '../../../models/tganc/discriminators.ts';
import { FoldTime, TemporalDifference, UnfoldTime } from '../../../models/tganc/videoLayers.ts';
import { tempDir } from '../../helpers/tmp.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const args = tinyTganArgs();
const N = 2;

function inputs(): { noise: tf.Tensor2D; sentence: tf.Tensor2D; video: tf.Tensor5D } {
  return {
    noise: tf.randomNormal([N, args.noiseDim], 0, 1, 'float32', 11),
    sentence: tf.randomNormal([N, args.sentenceDim], 0, 1, 'float32', 12),
    video: tf.randomUniform([N, args.frames, args.size, args.size, args.channels], -1, 1, 'float32', 13),
  };
}

function bits(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

test('generator: (noise, sentence) -> [N, T, H, W, C] in [-1, 1], in training and inference mode', () => {
  const g = buildGenerator(generatorArgsFrom(args));
  assert.deepEqual(g.inputs.map((i) => i.shape), [[null, args.noiseDim], [null, args.sentenceDim]]);
  assert.deepEqual(g.outputs[0]!.shape, [null, 4, 16, 16, 1]);
  const { noise, sentence } = inputs();
  for (const training of [true, false]) {
    const v = g.apply([noise, sentence], { training }) as tf.Tensor;
    assert.deepEqual(v.shape, [N, 4, 16, 16, 1]);
    const [min, max] = [v.min().dataSync()[0]!, v.max().dataSync()[0]!];
    assert.ok(min >= -1 && max <= 1 && max > min, `range [${min}, ${max}]`);
  }
  g.dispose();
});

test('generator plan: the default 48x48x16 and 64x64x16 networks', () => {
  const plan48 = generatorPlan(generatorArgsFrom(defaultTganArgs(48, 3)));
  assert.deepEqual(plan48.start, [1, 3, 3, 256]);
  assert.deepEqual(plan48.stages.map((s) => s.output), [[2, 6, 6, 128], [4, 12, 12, 64], [8, 24, 24, 32], [16, 48, 48, 3]]);
  assert.ok(plan48.stages.every((s) => s.strides.join() === '2,2,2' && s.kernel.join() === '4,4,4'));
  const plan64 = generatorPlan(generatorArgsFrom(defaultTganArgs(64, 1)));
  assert.deepEqual(plan64.start, [1, 4, 4, 256]);
  assert.deepEqual(plan64.stages.at(-1)!.output, [16, 64, 64, 1]);
  // Tiny: 3 stages, time grows 1 -> 1 -> 2 -> 4 (stride 1 first, with a unit time kernel at T = 1).
  const tiny = generatorPlan(generatorArgsFrom(args));
  assert.deepEqual(tiny.start, [1, 2, 2, 16]);
  assert.deepEqual(tiny.stages.map((s) => s.strides[0]), [1, 2, 2]);
  assert.deepEqual(tiny.stages[0]!.kernel, [1, 4, 4]);
});

test('discriminators: logits [N, 1] (video), [N, T] (frame), [N, T - 1] (motion); trunk and head compose to model', () => {
  const { sentence, video } = inputs();
  const expected = { video: [N, 1], frame: [N, 4], motion: [N, 3] };
  for (const kind of DISCRIMINATOR_KINDS) {
    const d = buildDiscriminator(discriminatorArgsFrom(args, kind));
    assert.equal(d.kind, kind);
    assert.deepEqual(d.model.inputs.map((i) => i.shape), [[null, 4, 16, 16, 1], [null, args.sentenceDim]]);
    const logits = d.model.apply([video, sentence], { training: false }) as tf.Tensor;
    assert.deepEqual(logits.shape, expected[kind], kind);
    assert.equal(d.logitsPerClip, expected[kind][1]);
    const viaParts = d.head.apply([d.trunk.apply(video) as tf.Tensor, sentence]) as tf.Tensor;
    assert.deepEqual(bits(viaParts), bits(logits), `${kind}: head(trunk(v), s) == model(v, s)`);
    // The model holds exactly the trunk's and the head's weights.
    assert.equal(d.model.countParams(), d.trunk.countParams() + d.head.countParams());
    // The caption matters: another sentence, other logits.
    const other = d.model.apply([video, sentence.reverse(0)], { training: false }) as tf.Tensor;
    assert.notDeepEqual(Array.from(other.dataSync()), Array.from(logits.dataSync()), `${kind}: sentence ignored`);
    // Each frame is judged on its own frame: changing the last frame leaves the frame logits before it alone.
    if (kind === 'frame') {
      const changed = tf.concat([video.slice([0, 0, 0, 0, 0], [N, 3, 16, 16, 1]), tf.zeros([N, 1, 16, 16, 1])], 1);
      const l2 = (d.model.apply([changed, sentence], { training: false }) as tf.Tensor).arraySync() as number[][];
      const l1 = logits.arraySync() as number[][];
      for (let i = 0; i < N; i++) {
        assert.deepEqual(l2[i]!.slice(0, 3), l1[i]!.slice(0, 3));
        assert.notEqual(l2[i]![3], l1[i]![3]);
      }
    }
    d.model.dispose();
  }
});

test('same seed, same weights; another seed, other weights; no two layers share a random stream', () => {
  const a = buildGenerator(generatorArgsFrom(args));
  const b = buildGenerator(generatorArgsFrom(args));
  const c = buildGenerator(generatorArgsFrom({ ...args, seed: 2 }));
  const wa = a.getWeights();
  const wb = b.getWeights();
  const wc = c.getWeights();
  wa.forEach((w, i) => assert.deepEqual(bits(w), bits(wb[i]!), a.weights[i]!.originalName));
  assert.notDeepEqual(bits(wa[0]!), bits(wc[0]!));
  const kernels = a.weights.filter((w) => w.originalName.endsWith('/kernel')).map((w) => w.read().dataSync().slice(0, 4).join());
  assert.equal(new Set(kernels).size, kernels.length);
  for (const m of [a, b, c]) m.dispose();
});

test('custom layers: registered, shapes, serialisable', () => {
  const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
  const folded = new FoldTime().apply(x) as tf.Tensor;
  assert.deepEqual(folded.shape, [6, 2]);
  const unfold = new UnfoldTime({ frames: 3 });
  assert.deepEqual((unfold.apply(folded) as tf.Tensor).arraySync(), x.arraySync());
  assert.deepEqual(unfold.getConfig()['frames'], 3);
  assert.deepEqual((new TemporalDifference().apply(x) as tf.Tensor).arraySync(), [
    [[2, 2], [2, 2]],
    [[2, 2], [2, 2]],
  ]);
  assert.throws(() => unfold.apply(tf.zeros([4, 2])), /not a multiple of frames 3/);
  assert.throws(() => new UnfoldTime({ frames: 0 }), RangeError);
  for (const name of ['TganFoldTime', 'TganUnfoldTime', 'TganTemporalDifference', 'TganRepeatOverMap', 'TganBatchNorm', 'TganChannelBias', 'TganLeakyReLU']) {
    assert.ok(tf.serialization.SerializationMap.getMap().classNameMap[name] !== undefined, name);
  }
});

test('generator save -> load (file://): bit-identical outputs', async () => {
  const dir = await tempDir('t2v-tganc-');
  const g = buildGenerator(generatorArgsFrom(args));
  const { noise, sentence } = inputs();
  // A few moving-statistics updates so that inference mode reads non-initial batch-norm weights.
  for (let i = 0; i < 3; i++) tf.dispose(g.apply([noise, sentence], { training: true }) as tf.Tensor);
  const before = g.apply([noise, sentence], { training: false }) as tf.Tensor;
  await g.save(FILE_SCHEME + join(dir, 'generator'));
  const loaded = await tf.loadLayersModel(FILE_SCHEME + join(dir, 'generator', 'model.json'));
  const after = loaded.apply([noise, sentence], { training: false }) as tf.Tensor;
  assert.deepEqual(bits(after), bits(before));
  assert.deepEqual(loaded.inputNames, ['noise', 'sentence']);
  assert.equal(loaded.countParams(), g.countParams());
  const afterTraining = loaded.apply([noise, sentence], { training: true }) as tf.Tensor;
  assert.deepEqual(bits(afterTraining), bits(g.apply([noise, sentence], { training: true }) as tf.Tensor));
  g.dispose();
  loaded.dispose();
});

test('discriminator save -> load (nested trunk/head, custom layers): bit-identical logits', async () => {
  const dir = await tempDir('t2v-tganc-');
  const { sentence, video } = inputs();
  for (const kind of DISCRIMINATOR_KINDS) {
    const d = buildDiscriminator(discriminatorArgsFrom(args, kind));
    tf.dispose(d.model.apply([video, sentence], { training: true }) as tf.Tensor);
    const before = d.model.apply([video, sentence], { training: false }) as tf.Tensor;
    await d.model.save(FILE_SCHEME + join(dir, kind));
    const loaded = await tf.loadLayersModel(FILE_SCHEME + join(dir, kind, 'model.json'));
    const after = loaded.apply([video, sentence], { training: false }) as tf.Tensor;
    assert.deepEqual(bits(after), bits(before), kind);
    d.model.dispose();
    loaded.dispose();
  }
});

test("gUpsample 'resize': nearest upsampling + stride-1 convs, same output shape; trains; save -> load bit-identical", async () => {
  const resize = { ...args, gUpsample: 'resize' as const };
  const g = buildGenerator(generatorArgsFrom(resize));
  assert.ok(g.layers.some((l) => l.getClassName() === 'TganUpsampleNearest'));
  assert.ok(!g.layers.some((l) => l.getClassName() === 'Conv3DTranspose'));
  const { noise, sentence, video } = inputs();
  const out = g.apply([noise, sentence], { training: true }) as tf.Tensor;
  assert.deepEqual(out.shape, [N, args.frames, args.size, args.size, args.channels]);
  const { TganModel } = await import('../../../models/tganc/TganModel.ts');
  const model = new TganModel(resize);
  const r = model.trainStep({ videos: video, sentences: sentence, wrongSentences: sentence.reverse(0) as tf.Tensor2D });
  assert.ok(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss));
  model.dispose();
  const dir = await tempDir('t2v-tganc-');
  await g.save(FILE_SCHEME + join(dir, 'generator'));
  const loaded = await tf.loadLayersModel(FILE_SCHEME + join(dir, 'generator', 'model.json'));
  assert.deepEqual(bits(loaded.apply([noise, sentence], { training: false }) as tf.Tensor), bits(g.apply([noise, sentence], { training: false }) as tf.Tensor));
  g.dispose();
  loaded.dispose();
  assert.throws(() => buildGenerator(generatorArgsFrom({ ...args, gUpsample: 'bilinear' as 'resize' })), /gUpsample/);
});

test("headConditioning 'projection': logits per kind; the caption enters only as ⟨E s, pooled features⟩; save -> load; with spectral norm it trains", async () => {
  const { sentence, video } = inputs();
  const projection = { ...args, headConditioning: 'projection' as const, minibatchStd: true };
  const expected = { video: [N, 1], frame: [N, 4], motion: [N, 3] };
  for (const kind of DISCRIMINATOR_KINDS) {
    const d = buildDiscriminator(discriminatorArgsFrom(projection, kind));
    const logits = d.model.apply([video, sentence], { training: false }) as tf.Tensor;
    assert.deepEqual(logits.shape, expected[kind], kind);
    const other = d.model.apply([video, sentence.reverse(0)], { training: false }) as tf.Tensor;
    assert.notDeepEqual(Array.from(other.dataSync()), Array.from(logits.dataSync()), `${kind}: sentence ignored`);
    // With the embedding zeroed the caption no longer matters: it enters through the projection alone.
    const embed = d.head.getLayer(`${{ video: 'dv', frame: 'df', motion: 'dm' }[kind]}_embed`);
    embed.setWeights([tf.zerosLike(embed.getWeights()[0]!)]);
    const a = (d.model.apply([video, sentence], { training: false }) as tf.Tensor).dataSync();
    const b = (d.model.apply([video, sentence.reverse(0)], { training: false }) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(a), Array.from(b), `${kind}: the caption reaches the logit only through the projection`);
    d.model.dispose();
  }
  const dir = await tempDir('t2v-tganc-');
  const d = buildDiscriminator(discriminatorArgsFrom(projection, 'frame'));
  const before = d.model.apply([video, sentence], { training: false }) as tf.Tensor;
  await d.model.save(FILE_SCHEME + join(dir, 'frame'));
  const loaded = await tf.loadLayersModel(FILE_SCHEME + join(dir, 'frame', 'model.json'));
  assert.deepEqual(bits(loaded.apply([video, sentence], { training: false }) as tf.Tensor), bits(before));
  d.model.dispose();
  loaded.dispose();
  const { TganModel } = await import('../../../models/tganc/TganModel.ts');
  const model = new TganModel({ ...projection, spectralNorm: true });
  const r = model.trainStep({ videos: video, sentences: sentence, wrongSentences: sentence.reverse(0) as tf.Tensor2D });
  assert.ok(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss), `${r.dLoss} ${r.gLoss}`);
  model.dispose();
  assert.throws(() => buildDiscriminator(discriminatorArgsFrom({ ...args, headConditioning: 'dot' as 'projection' }, 'video')), /headConditioning/);
});
