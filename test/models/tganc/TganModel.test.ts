/** TganModel on the cpu backend at the tiny config: training steps, determinism, input checks, no leaks. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { tinyTganArgs } from '../../../models/tganc/TganConfig.ts';
import { TganModel } from '../../../models/tganc/TganModel.ts';
import type { TganModelArgs, TganStepResult, TganTrainBatch } from '../../../models/tganc/TganModel.ts';
import { trainBatch, weightBits } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const N = 2;

function assertFinite(r: TganStepResult): void {
  assert.ok(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss), `dLoss ${r.dLoss}, gLoss ${r.gLoss}`);
  for (const [name, v] of Object.entries(r.parts)) assert.ok(Number.isFinite(v), `${name} = ${v}`);
}

test('three train steps: finite losses, every network changes, no leaked tensors', () => {
  const args: TganModelArgs = tinyTganArgs();
  const model = new TganModel(args);
  const batch = trainBatch(args, N, 1);
  const initial = {
    generator: weightBits(model.generator),
    ...Object.fromEntries(model.discriminators.map((d) => [d.kind, weightBits(d.model)])),
  } as Record<string, Buffer[]>;
  let tensorsAfterFirst = 0;
  for (let i = 0; i < 3; i++) {
    const r = model.trainStep(batch);
    assertFinite(r);
    assert.deepEqual(Object.keys(r.parts).sort(), [
      'dFrame', 'dFrameFake', 'dFrameReal', 'dFrameWrong', 'dMotion', 'dMotionFake', 'dMotionReal', 'dMotionWrong',
      'dVideo', 'dVideoFake', 'dVideoReal', 'dVideoWrong', 'gFrame', 'gMotion', 'gVideo', 'temporalCoherence',
    ]);
    // dLoss = Σ d*, gLoss = Σ g* + 0.1 · temporalCoherence (loss weights 1).
    const p = r.parts;
    assert.ok(Math.abs(r.dLoss - (p['dVideo']! + p['dFrame']! + p['dMotion']!)) < 1e-5);
    assert.ok(Math.abs(r.gLoss - (p['gVideo']! + p['gFrame']! + p['gMotion']! + 0.1 * p['temporalCoherence']!)) < 1e-5);
    assert.ok(Math.abs(p['dVideo']! - (p['dVideoReal']! + p['dVideoFake']! + p['dVideoWrong']!)) < 1e-5);
    if (i === 0) tensorsAfterFirst = tf.memory().numTensors; // optimiser slots now exist
    else assert.equal(tf.memory().numTensors, tensorsAfterFirst, `step ${i + 1} leaked tensors`);
  }
  assert.equal(model.step, 3);
  const changed = (a: Buffer[], b: Buffer[]): number => a.filter((w, i) => !w.equals(b[i]!)).length;
  assert.equal(changed(initial['generator']!, weightBits(model.generator)), initial['generator']!.length, 'every generator weight moved');
  for (const d of model.discriminators) {
    // Trainable weights and batch-norm moving statistics all move.
    assert.equal(changed(initial[d.kind]!, weightBits(d.model)), initial[d.kind]!.length, `every ${d.kind} weight moved`);
  }
  const counts = model.countParams();
  assert.equal(counts.total, counts.generator + counts.video + counts.frame + counts.motion);
  model.dispose();
  tf.dispose(Object.values(batch));
});

test('same seed: bit-identical weights and losses after 2 steps; another seed differs', () => {
  const args = tinyTganArgs();
  const run = (seed: number): { losses: number[]; weights: Buffer[] } => {
    const model = new TganModel({ ...args, seed });
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const batch = trainBatch(args, N, 10 + i);
      const r = model.trainStep(batch);
      losses.push(r.dLoss, r.gLoss, ...Object.values(r.parts));
      tf.dispose(Object.values(batch));
    }
    const weights = [model.generator, ...model.discriminators.map((d) => d.model)].flatMap(weightBits);
    model.dispose();
    return { losses, weights };
  };
  const a = run(5);
  const b = run(5);
  assert.deepEqual(b.losses, a.losses);
  assert.equal(b.weights.length, a.weights.length);
  b.weights.forEach((w, i) => assert.ok(w.equals(a.weights[i]!), `weight ${i} differs`));
  const c = run(6);
  assert.notDeepEqual(c.losses, a.losses);
});

test('explicit noise is used for both updates; default noise depends on the step', () => {
  const args = tinyTganArgs();
  const model = new TganModel(args);
  const n0 = model.sampleNoise(N);
  const n0again = model.sampleNoise(N);
  assert.deepEqual(n0.dataSync(), n0again.dataSync());
  const batch = trainBatch(args, N, 3);
  model.trainStep({ ...batch, noise: n0 });
  assert.ok(!n0.isDisposed, 'caller noise is not disposed');
  const n1 = model.sampleNoise(N);
  assert.notDeepEqual(Array.from(n1.dataSync()), Array.from(n0.dataSync()));
  tf.dispose([n0, n0again, n1, ...Object.values(batch)]);
  model.dispose();
});

test('without the motion discriminator: video + frame only, temporal coherence off by default', () => {
  const args = tinyTganArgs({ useMotionDiscriminator: false, temporalCoherenceWeight: undefined });
  const model = new TganModel({ ...args, lossWeights: { frame: 0.5 }, learningRates: { generator: 1e-3 } });
  assert.deepEqual(model.discriminators.map((d) => d.kind), ['video', 'frame']);
  assert.equal(model.optimizers.motion, undefined);
  const batch = trainBatch(args, N, 4);
  const r = model.trainStep(batch);
  assertFinite(r);
  assert.equal(r.parts['dMotion'], undefined);
  assert.ok(Math.abs(r.dLoss - (r.parts['dVideo']! + 0.5 * r.parts['dFrame']!)) < 1e-5);
  assert.ok(Math.abs(r.gLoss - (r.parts['gVideo']! + 0.5 * r.parts['gFrame']!)) < 1e-5);
  tf.dispose(Object.values(batch));
  model.dispose();
});

test('generate: shape, range, deterministic in inference mode', () => {
  const args = tinyTganArgs();
  const model = new TganModel(args);
  const noise = model.sampleNoise(3, 7);
  const sentences = tf.randomNormal([3, args.sentenceDim], 0, 1, 'float32', 8) as tf.Tensor2D;
  const a = model.generate(noise, sentences);
  const b = model.generate(noise, sentences);
  assert.deepEqual(a.shape, [3, 4, 16, 16, 1]);
  assert.deepEqual(a.dataSync(), b.dataSync());
  assert.ok(a.abs().max().dataSync()[0]! <= 1);
  tf.dispose([a, b, noise, sentences]);
  model.dispose();
  assert.throws(() => model.generate(noise, sentences), /disposed/);
});

test('bad inputs and args are RangeErrors', () => {
  const args = tinyTganArgs();
  assert.throws(() => new TganModel({ ...args, learningRates: { video: 0 } }), /learningRates.video/);
  assert.throws(() => new TganModel({ ...args, adamBeta1: 1 }), /adamBeta1/);
  assert.throws(() => new TganModel({ ...args, lossWeights: { motion: -1 } }), /lossWeights.motion/);
  assert.throws(() => new TganModel({ ...args, size: 20 }), RangeError);
  const model = new TganModel(args);
  const batch = trainBatch(args, N, 5);
  const cases: [Partial<TganTrainBatch>, RegExp][] = [
    [{ videos: tf.zeros([N, 3, 16, 16, 1]) as tf.Tensor5D }, /videos must have shape \[N, 4, 16, 16, 1\]/],
    [{ sentences: tf.zeros([N + 1, args.sentenceDim]) as tf.Tensor2D }, /sentences must have shape \[2, 6\]/],
    [{ wrongSentences: tf.zeros([N, 5]) as tf.Tensor2D }, /wrongSentences must have shape/],
    [{ noise: tf.zeros([N, 3]) as tf.Tensor2D }, /noise must have shape \[2, 8\]/],
  ];
  for (const [override, message] of cases) {
    assert.throws(() => model.trainStep({ ...batch, ...override }), (e: unknown) => e instanceof RangeError && message.test(e.message));
  }
  assert.equal(model.step, 0);
  tf.dispose(Object.values(batch));
  model.dispose();
});

test('word classifier (predictWords): trained on real clips by D, read back by G; it needs token ids', async () => {
  const { lstmSentenceEncoder } = await import('../../../models/text/LstmSentenceEncoder.ts');
  const args = tinyTganArgs({ predictWords: 12 });
  const encoder = lstmSentenceEncoder({ vocabSize: 12, length: 5, embeddingDim: 4, hiddenDim: 4, outputDim: args.sentenceDim, seed: 3 });
  const model = new TganModel({ ...args, sentenceEncoder: encoder, wordLossWeight: 0.5 });
  const words = model.discriminator('video')!.words!;
  assert.ok(words !== undefined && model.discriminator('frame')!.words === undefined, 'only the video discriminator predicts words');
  assert.deepEqual(words.outputs[0]!.shape, [null, 12]);
  const videos = trainBatch(args, N, 2).videos;
  const captions = tf.tensor2d([[2, 3, 4, 0, 0], [5, 6, 6, 0, 0]], [2, 5], 'int32');
  const wrongCaptions = tf.tensor2d([[5, 6, 6, 0, 0], [2, 3, 4, 0, 0]], [2, 5], 'int32');
  // Its loss before the step, by hand: the real clips' word logits (batch statistics, as in training)
  // against the captions' words.
  const logits = tf.tidy(() => words.apply(model.discriminator('video')!.trunk.apply(videos, { training: true }) as tf.Tensor) as tf.Tensor2D);
  const targets = [[0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]];
  let want = 0;
  logits.arraySync().forEach((row, i) => row.forEach((x, j) => (want += Math.log1p(Math.exp(x)) - targets[i]![j]! * x)));
  want /= 2;
  const before = weightBits(words);
  const r = model.trainStep({ videos, captions, wrongCaptions });
  assertFinite(r);
  assert.ok(Math.abs(r.parts['dWords']! - want) < 1e-4, `dWords ${r.parts['dWords']} = ${want} by hand`);
  assert.ok('gWords' in r.parts);
  const p = r.parts;
  const dSum = p['dVideo']! + p['dFrame']! + p['dMotion']! + 0.5 * p['dWords']!;
  assert.ok(Math.abs(r.dLoss - dSum) < 1e-4, `dLoss ${r.dLoss} = Σ d* + 0.5 · dWords (${dSum})`);
  const gSum = p['gVideo']! + p['gFrame']! + p['gMotion']! + 0.5 * p['gWords']! + 0.1 * p['temporalCoherence']!;
  assert.ok(Math.abs(r.gLoss - gSum) < 1e-4, `gLoss ${r.gLoss} = Σ g* + 0.5 · gWords + 0.1 · tc (${gSum})`);
  assert.ok(weightBits(words).every((w, i) => !w.equals(before[i]!)), 'the video optimiser updates the word classifier');
  assert.equal(model.countParams().video, model.discriminator('video')!.model.countParams() + words.countParams());
  model.dispose();
  const plain = new TganModel(tinyTganArgs({ predictWords: 12 }));
  const batch = trainBatch(plain.args, N, 3);
  assert.throws(() => plain.trainStep(batch), /predictWords needs the captions as token ids/);
  plain.dispose();
  tf.dispose([videos, captions, wrongCaptions, logits, ...Object.values(batch)]);
});

test('word classifiers on the frame discriminator too: logits averaged over the frames it sees', async () => {
  const { bagOfWordsEncoder } = await import('../../../models/text/bagOfWordsEncoder.ts');
  const args = tinyTganArgs({ predictWords: 12, wordClassifiers: ['video', 'frame'], frameSamples: 2, sentenceDim: 12 });
  const model = new TganModel({ ...args, sentenceEncoder: bagOfWordsEncoder({ vocabSize: 12, length: 5 }) });
  const frame = model.discriminator('frame')!;
  assert.ok(frame.words !== undefined && model.discriminator('motion')!.words === undefined);
  // Per-frame logits, then their mean: the classifier of 2 frames equals the mean of each frame's logits.
  const features = tf.randomNormal([3, 2, frame.trunk.outputs[0]!.shape[2] as number], 0, 1, 'float32', 4);
  const both = frame.words!.predict(features) as tf.Tensor;
  // A frame's own logits: the classifier of that frame shown twice.
  const perFrame = [0, 1].map((t) => tf.tidy(() => {
    const one = features.slice([0, t, 0], [3, 1, -1]);
    return frame.words!.predict(tf.concat([one, one], 1)) as tf.Tensor;
  }));
  const mean = perFrame[0]!.add(perFrame[1]!).div(2);
  assert.ok(both.sub(mean).abs().max().dataSync()[0]! < 1e-5, 'mean of per-frame logits');
  const videos = trainBatch(args, N, 2).videos;
  const captions = tf.tensor2d([[2, 3, 4, 0, 0], [5, 6, 6, 0, 0]], [2, 5], 'int32');
  const r = model.trainStep({ videos, captions, wrongCaptions: tf.reverse(captions, 0) as tf.Tensor2D });
  assertFinite(r);
  for (const name of ['dWords', 'gWords', 'dFrameWords', 'gFrameWords']) assert.ok(name in r.parts, name);
  assert.ok(!('dMotionWords' in r.parts));
  const p = r.parts;
  assert.ok(Math.abs(r.dLoss - (p['dVideo']! + p['dFrame']! + p['dMotion']! + p['dWords']! + p['dFrameWords']!)) < 1e-4, 'both classifiers in dLoss');
  // With minibatch std, the batch statistic is not one of the map's positions.
  const withStd = new TganModel({ ...tinyTganArgs({ predictWords: 12, wordClassifiers: ['video', 'frame'], minibatchStd: true, sentenceDim: 12 }), sentenceEncoder: bagOfWordsEncoder({ vocabSize: 12, length: 5 }) });
  assertFinite(withStd.trainStep({ videos, captions }));
  withStd.dispose();
  assert.throws(() => new TganModel(tinyTganArgs({ predictWords: 12, wordClassifiers: ['audio' as 'video'] })), /wordClassifiers/);
  assert.throws(() => new TganModel(tinyTganArgs({ predictWords: 12, wordClassifiers: ['motion'], useMotionDiscriminator: false })), /useMotionDiscriminator is off/);
  model.dispose();
  tf.dispose([features, both, ...perFrame, mean, videos, captions]);
});

test('word warm-up: the classifiers learn from real clips alone, deterministically, and only before the GAN', async () => {
  const { bagOfWordsEncoder } = await import('../../../models/text/bagOfWordsEncoder.ts');
  const args = tinyTganArgs({ predictWords: 12, wordClassifiers: ['video', 'frame'], frameSamples: 2, sentenceDim: 12, seed: 3 });
  const make = () => new TganModel({ ...args, warmupLearningRate: 5e-3, sentenceEncoder: bagOfWordsEncoder({ vocabSize: 12, length: 5 }) });
  const videos = trainBatch(args, N, 2).videos;
  const captions = tf.tensor2d([[2, 3, 4, 0, 0], [5, 6, 6, 0, 0]], [2, 5], 'int32');
  const runs = [make(), make()];
  const losses = runs.map((m) => Array.from({ length: 12 }, (_, round) => m.warmUpWords(videos, captions, round)));
  assert.ok(losses[0]!.every(Number.isFinite));
  assert.ok(losses[0]![11]! < losses[0]![0]! * 0.8, `word loss falls on a batch it sees again: ${losses[0]![0]} -> ${losses[0]![11]}`);
  assert.deepEqual(losses[0], losses[1], 'same seed, same warm-up');
  const [a, b] = runs as [TganModel, TganModel];
  // The trunks and classifiers moved; the matching heads and the generator did not.
  const fresh = make();
  for (const kind of ['video', 'frame'] as const) {
    assert.notDeepEqual(weightBits(a.discriminator(kind)!.trunk), weightBits(fresh.discriminator(kind)!.trunk), `${kind} trunk`);
    assert.notDeepEqual(weightBits(a.discriminator(kind)!.words!), weightBits(fresh.discriminator(kind)!.words!), `${kind} words`);
    assert.deepEqual(weightBits(a.discriminator(kind)!.head), weightBits(fresh.discriminator(kind)!.head), `${kind} head`);
    assert.deepEqual(weightBits(a.discriminator(kind)!.trunk), weightBits(b.discriminator(kind)!.trunk));
  }
  assert.deepEqual(weightBits(a.discriminator('motion')!.model), weightBits(fresh.discriminator('motion')!.model), 'motion has no classifier here');
  assert.deepEqual(weightBits(a.generator), weightBits(fresh.generator));
  assert.equal(a.step, 0);
  a.endWarmUp();
  assertFinite(a.trainStep({ videos, captions }));
  assert.throws(() => a.warmUpWords(videos, captions, 0), /before the first train step/);
  const plain = new TganModel(tinyTganArgs());
  assert.throws(() => plain.warmUpWords(videos, captions, 0), /needs predictWords/);
  const floats = tf.zeros([2, 5]) as tf.Tensor2D;
  assert.throws(() => b.warmUpWords(videos, floats, 0), /int32 token ids/);
  for (const m of [a, b, fresh, plain]) m.dispose();
  floats.dispose();
  tf.dispose([videos, captions]);
});

test('mode seeking: a second noise draw, the term in gLoss with its weight, deterministic; 0 is off', () => {
  const args = tinyTganArgs();
  const run = (weight: number) => {
    const model = new TganModel({ ...args, modeSeekingWeight: weight });
    const batch = trainBatch(args, N, 5);
    const r = model.trainStep(batch);
    model.dispose();
    tf.dispose(Object.values(batch));
    return r;
  };
  const off = run(0);
  assert.ok(!('modeSeeking' in off.parts));
  const on = run(2);
  assertFinite(on);
  const ms = on.parts['modeSeeking']!;
  // |z1 - z2| of two standard normals is ~1.13 on average; generated videos differ by far less at the start.
  assert.ok(ms > 1, `modeSeeking ${ms}: noise distance over video distance`);
  const p = on.parts;
  const gSum = p['gVideo']! + p['gFrame']! + p['gMotion']! + 0.1 * p['temporalCoherence']! + 2 * ms;
  assert.ok(Math.abs(on.gLoss - gSum) < 1e-4 * Math.max(1, gSum), `gLoss ${on.gLoss} = Σ g* + 0.1 · tc + 2 · modeSeeking (${gSum})`);
  assert.deepEqual(run(2), on, 'the same seed: the same second draw and losses');
  assert.throws(() => new TganModel({ ...args, modeSeekingWeight: -1 }), /modeSeekingWeight/);
});

test('reconstruction (cVAE-GAN): the posterior encoder and the generator learn to redraw real clips; terms in gLoss; 0 is off', () => {
  const args = tinyTganArgs();
  const off = new TganModel({ ...args, reconstructionWeight: 0 });
  assert.equal(off.posterior, undefined, 'no encoder is built when off');
  const offBatch = trainBatch(args, N, 6);
  assert.ok(!('reconstruction' in off.trainStep(offBatch).parts));
  off.dispose();
  tf.dispose(Object.values(offBatch));

  const model = new TganModel({ ...args, reconstructionWeight: 3, klWeight: 0.5, learningRates: { generator: 2e-3 } });
  assert.ok(model.posterior !== undefined && model.optimizers.posterior !== undefined);
  const before = weightBits(model.posterior);
  // Clips that can be redrawn: each a uniform grey of its own level (the encoder can read it).
  const batch = { ...trainBatch(args, N, 6), videos: tf.tidy(() => tf.mul(tf.ones([N, args.frames, args.size, args.size, args.channels]), tf.tensor([-0.6, 0.6]).reshape([N, 1, 1, 1, 1]))) as tf.Tensor5D };
  const first = model.trainStep(batch);
  assertFinite(first);
  const p = first.parts;
  const gSum = p['gVideo']! + p['gFrame']! + p['gMotion']! + 0.1 * p['temporalCoherence']! + 3 * p['reconstruction']! + 0.5 * p['kl']!;
  assert.ok(Math.abs(first.gLoss - gSum) < 1e-4 * Math.max(1, gSum), `gLoss ${first.gLoss} = Σ g* + 0.1 · tc + 3 · reconstruction + 0.5 · kl (${gSum})`);
  // Grey levels ±0.6 against a generator near 0: the mean |difference| starts near 0.6.
  assert.ok(p['reconstruction']! > 0.2 && p['reconstruction']! < 1, `reconstruction ${p['reconstruction']}`);
  assert.ok(p['kl']! >= 0, `kl ${p['kl']}`);
  assert.notDeepEqual(weightBits(model.posterior), before, 'the encoder is trained by the generator step');
  // Redrawing one fixed batch: the reconstruction error must fall.
  let last = first;
  for (let i = 0; i < 25; i++) last = model.trainStep(batch);
  assert.ok(last.parts['reconstruction']! < 0.9 * first.parts['reconstruction']!, `reconstruction ${first.parts['reconstruction']} -> ${last.parts['reconstruction']}`);
  const tensors = tf.memory().numTensors;
  model.trainStep(batch);
  assert.equal(tf.memory().numTensors, tensors, 'no tensor leaked by a step with the reconstruction loss');
  model.dispose();
  tf.dispose(Object.values(batch));
  assert.throws(() => new TganModel({ ...args, reconstructionWeight: -1 }), /reconstructionWeight/);
  assert.throws(() => new TganModel({ ...args, reconstructionWeight: 1, klWeight: Number.NaN }), /klWeight/);
});

test('with a sentence encoder: captions as token ids, the encoder trains with D, no wrong caption drops that term', async () => {
  const { lstmSentenceEncoder } = await import('../../../models/text/LstmSentenceEncoder.ts');
  const args = tinyTganArgs();
  const encoder = lstmSentenceEncoder({ vocabSize: 12, length: 5, embeddingDim: 4, hiddenDim: 4, outputDim: args.sentenceDim, seed: 3 });
  const model = new TganModel({ ...args, sentenceEncoder: encoder });
  const videos = trainBatch(args, N, 2).videos;
  const captions = tf.tensor2d([[2, 3, 4, 0, 0], [5, 6, 0, 0, 0]], [2, 5], 'int32');
  const wrongCaptions = tf.tensor2d([[5, 6, 0, 0, 0], [2, 3, 4, 0, 0]], [2, 5], 'int32');
  const before = weightBits(encoder);
  const withWrong = model.trainStep({ videos, captions, wrongCaptions });
  assertFinite(withWrong);
  assert.ok('dVideoWrong' in withWrong.parts);
  const moved = weightBits(encoder).filter((w, i) => !w.equals(before[i]!)).length;
  assert.ok(moved >= encoder.trainableWeights.length - 1, `encoder weights moved: ${moved} of ${encoder.weights.length}`);
  const tensors = tf.memory().numTensors;
  const noWrong = model.trainStep({ videos, captions });
  assertFinite(noWrong);
  assert.ok(!('dVideoWrong' in noWrong.parts));
  const p = noWrong.parts;
  assert.ok(Math.abs(p['dVideo']! - (p['dVideoReal']! + p['dVideoFake']!)) < 1e-5, 'the wrong term is out of the loss');
  assert.equal(tf.memory().numTensors, tensors, 'no leaked tensors');
  assert.equal(model.encode(captions).shape.join(), `2,${args.sentenceDim}`);
  assert.throws(() => model.trainStep({ videos, sentences: tf.zeros([2, args.sentenceDim]) as tf.Tensor2D }), /pass `captions`/);
  assert.throws(() => model.trainStep({ videos, captions: tf.zeros([2, 5]) as tf.Tensor2D }), /int32 token ids/);
  assert.equal(model.countParams().encoder, encoder.countParams());
  model.dispose();
  tf.dispose([videos, captions, wrongCaptions]);
});

test('instance noise changes what the discriminators see (and so the losses), deterministically; 0 is off', () => {
  const run = (extra: Partial<TganModelArgs>) => {
    const args: TganModelArgs = { ...tinyTganArgs(), ...extra };
    const model = new TganModel(args);
    const batch = trainBatch(args, N, 3);
    const r = model.trainStep(batch);
    model.dispose();
    tf.dispose(Object.values(batch));
    return r;
  };
  const off = run({});
  assert.deepEqual(run({ instanceNoise: 0 }), off);
  const on = run({ instanceNoise: 0.5 });
  assertFinite(on);
  assert.notEqual(on.dLoss, off.dLoss);
  assert.deepEqual(run({ instanceNoise: 0.5 }), on, 'seeded: the same noise again');
  // Annealed to 0 by step 1 of 1: the first step (step 0) still has full noise.
  assert.deepEqual(run({ instanceNoise: 0.5, instanceNoiseSteps: 1 }), on);
  assert.throws(() => new TganModel({ ...tinyTganArgs(), instanceNoise: -1 }), /instanceNoise must be/);
});

test('minibatch standard deviation: a batch of look-alike clips gets a small statistic; the model trains and saves', async () => {
  const { MinibatchStdDev } = await import('../../../models/tganc/videoLayers.ts');
  const layer = new MinibatchStdDev();
  const same = layer.apply(tf.ones([4, 2, 3])) as tf.Tensor;
  const varied = layer.apply(tf.randomNormal([4, 2, 3], 0, 1, 'float32', 1)) as tf.Tensor;
  assert.deepEqual(same.shape, [4, 2, 4]);
  assert.ok((same.slice([0, 0, 3], [1, 1, 1]).dataSync()[0] as number) < 1e-3);
  assert.ok((varied.slice([0, 0, 3], [1, 1, 1]).dataSync()[0] as number) > 0.3);
  const args: TganModelArgs = { ...tinyTganArgs({ frameSamples: 2, motionWindow: 3 }), minibatchStd: true };
  const model = new TganModel(args);
  const batch = trainBatch(args, N, 6);
  for (let i = 0; i < 2; i++) assertFinite(model.trainStep(batch));
  const frame = model.discriminator('frame')!;
  const reloaded = await tf.loadLayersModel(tf.io.fromMemory(await new Promise<tf.io.ModelArtifacts>((resolve) => {
    void frame.model.save(tf.io.withSaveHandler(async (artifacts) => {
      resolve(artifacts);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
  })));
  const clip = batch.videos.slice([0, 0], [N, 2]);
  const a = frame.model.predict([clip, batch.sentences]) as tf.Tensor;
  const b = reloaded.predict([clip, batch.sentences]) as tf.Tensor;
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()), 'saved and reloaded: the same logits');
  model.dispose();
  tf.dispose([same, varied, a, b, clip, ...Object.values(batch)]);
});

test('hinge loss: the discriminators\' terms are hinges (never negative), the generator\'s the negated mean logit', () => {
  const args = tinyTganArgs({ seed: 4 });
  const model = new TganModel({ ...args, adversarialLoss: 'hinge' });
  const batch = trainBatch(args, N, 3);
  for (let i = 0; i < 2; i++) {
    const r = model.trainStep(batch);
    assertFinite(r);
    for (const kind of ['Video', 'Frame', 'Motion']) {
      for (const term of ['Real', 'Fake', 'Wrong']) assert.ok(r.parts[`d${kind}${term}`]! >= 0, `d${kind}${term} = ${r.parts[`d${kind}${term}`]}`);
    }
  }
  // The same step under bce differs: the option reaches the losses.
  const bce = new TganModel(args);
  const hinge = new TganModel({ ...args, adversarialLoss: 'hinge' });
  assert.notEqual(bce.trainStep(batch).dLoss, hinge.trainStep(batch).dLoss);
  hinge.dispose();
  assert.throws(() => new TganModel({ ...args, adversarialLoss: 'hinge', realLabel: 0.9 }), /realLabel 0.9 is for the bce loss/);
  assert.throws(() => new TganModel({ ...args, adversarialLoss: 'wasserstein' as 'bce' }), /adversarialLoss must be 'bce' or 'hinge'/);
  model.dispose();
  bce.dispose();
  tf.dispose(Object.values(batch));
});
