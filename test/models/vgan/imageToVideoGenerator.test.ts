/**
 * The VGAN-style image-to-video generator at a tiny size (cpu): plan, shapes, ranges, the composition
 * (background kept exactly where the mask is 0), seeded weights, save -> load, one training step.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { FILE_SCHEME } from '../../../models/io/fileSystemIO.ts';
import {
  buildImageToVideoGenerator,
  generateFromImage,
  IMAGE_TO_VIDEO_INPUTS,
  IMAGE_TO_VIDEO_METADATA_KEY,
  imageToVideoPlan,
  validateImageToVideoArgs,
} from '../../../models/vgan/imageToVideoGenerator.ts';
import type { ImageToVideoArgs } from '../../../models/vgan/imageToVideoGenerator.ts';
import { maskL1Penalty } from '../../../models/vgan/maskComposition.ts';
import { tempDir } from '../../helpers/tmp.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

const ARGS: ImageToVideoArgs = {
  frames: 4,
  size: 16,
  channels: 3,
  sentenceDim: 6,
  noiseDim: 5,
  encoderChannels: [8, 16],
  gChannels: [16, 8],
  seed: 3,
};
const N = 2;

function inputs(): { image: tf.Tensor4D; sentence: tf.Tensor2D; noise: tf.Tensor2D } {
  return {
    image: tf.randomUniform([N, 16, 16, 3], -1, 1, 'float32', 21) as tf.Tensor4D,
    sentence: tf.randomNormal([N, 6], 0, 1, 'float32', 22) as tf.Tensor2D,
    noise: tf.randomNormal([N, 5], 0, 1, 'float32', 23) as tf.Tensor2D,
  };
}

function bits(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function weightBits(model: tf.LayersModel): Buffer[] {
  return model.weights.map((w) => Buffer.from((w.read().dataSync() as Float32Array).slice().buffer));
}

test('validation: defaults filled in, a RangeError naming the bad field', () => {
  const resolved = validateImageToVideoArgs(ARGS);
  assert.deepEqual([resolved.leak, resolved.batchNormMomentum, resolved.maskBias, resolved.name], [0.2, 0.9, 0, 'image_to_video']);
  const bad: [Partial<ImageToVideoArgs>, RegExp][] = [
    [{ frames: 0 }, /frames/],
    [{ size: 10 }, /size/],
    [{ channels: 1.5 }, /channels/],
    [{ sentenceDim: -1 }, /sentenceDim/],
    [{ noiseDim: 0 }, /noiseDim/],
    [{ encoderChannels: [] }, /encoderChannels/],
    [{ gChannels: [8, 0] }, /gChannels/],
    [{ leak: 1 }, /leak/],
    [{ batchNormMomentum: -0.1 }, /batchNormMomentum/],
    [{ maskBias: Number.NaN }, /maskBias/],
  ];
  for (const [change, field] of bad) {
    assert.throws(() => validateImageToVideoArgs({ ...ARGS, ...change }), (e: unknown) => e instanceof RangeError && field.test(e.message), JSON.stringify(change));
  }
  // 12 = 4·3 is a multiple of 2^2 for both streams: accepted.
  assert.equal(validateImageToVideoArgs({ ...ARGS, size: 12 }).size, 12);
  assert.throws(() => buildImageToVideoGenerator({ ...ARGS, encoderChannels: [4, 4, 4, 4, 4] }), /size .*2\^5/);
});

test('plan: encoder 16 -> 8 -> 4, code 4·4·16, start [1, 4, 4, 16], time 1 -> 2 -> 4', () => {
  const plan = imageToVideoPlan(ARGS);
  assert.deepEqual(plan.encoder.map((s) => s.output), [[8, 8, 8], [4, 4, 16]]);
  assert.equal(plan.codeSize, 256);
  assert.deepEqual(plan.start, [1, 4, 4, 16]);
  assert.deepEqual(plan.stages.map((s) => [s.name, s.output, s.strides, s.kernel]), [
    ['v_up1', [2, 8, 8, 8], [2, 2, 2], [4, 4, 4]],
    ['v_heads', [4, 16, 16, 3], [2, 2, 2], [4, 4, 4]],
  ]);
  // 2 frames with 3 stages: stride 1 (unit time kernel at T = 1) first.
  const slow = imageToVideoPlan({ ...ARGS, frames: 2, gChannels: [16, 8, 8], size: 16 });
  assert.deepEqual(slow.stages.map((s) => s.strides[0]), [1, 1, 2]);
  assert.deepEqual(slow.stages.map((s) => s.kernel[0]), [1, 1, 4]);
});

test('outputs: video and foreground [N, T, S, S, C] in [-1, 1], mask [N, T, S, S, 1] in [0, 1]; video = composition', () => {
  const g = buildImageToVideoGenerator(ARGS);
  assert.deepEqual(g.inputNames, [...IMAGE_TO_VIDEO_INPUTS]);
  assert.deepEqual(g.outputs.map((o) => o.shape), [[null, 4, 16, 16, 3], [null, 4, 16, 16, 3], [null, 4, 16, 16, 1]]);
  const { image, sentence, noise } = inputs();
  for (const training of [true, false]) {
    const { video, foreground, mask } = generateFromImage(g, image, sentence, noise, training);
    assert.deepEqual(video.shape, [N, 4, 16, 16, 3]);
    assert.deepEqual(mask.shape, [N, 4, 16, 16, 1]);
    const range = (t: tf.Tensor): [number, number] => [t.min().dataSync()[0]!, t.max().dataSync()[0]!];
    const [vMin, vMax] = range(video);
    assert.ok(vMin >= -1 && vMax <= 1 && vMax > vMin, `video range [${vMin}, ${vMax}]`);
    const [fMin, fMax] = range(foreground);
    assert.ok(fMin >= -1 && fMax <= 1 && fMax > fMin, `foreground range [${fMin}, ${fMax}]`);
    const [mMin, mMax] = range(mask);
    assert.ok(mMin > 0 && mMax < 1 && mMax > mMin, `mask range [${mMin}, ${mMax}]`);
    // The frames differ from each other (the stream moves), and video = m·f + (1 - m)·image.
    const expected = tf.add(tf.mul(mask, foreground), tf.mul(tf.sub(1, mask), tf.expandDims(image, 1)));
    assert.ok(tf.max(tf.abs(tf.sub(video, expected))).dataSync()[0]! < 1e-6);
    const frames = tf.unstack(video, 1);
    assert.ok(tf.max(tf.abs(tf.sub(frames[0]!, frames[3]!))).dataSync()[0]! > 0);
  }
  g.dispose();
});

test('mask forced to 0 (maskBias -1000): every frame is exactly the input image; forced to 1: exactly the foreground', () => {
  const { image, sentence, noise } = inputs();
  const still = buildImageToVideoGenerator({ ...ARGS, maskBias: -1000 });
  const out = generateFromImage(still, image, sentence, noise, true);
  assert.equal(out.mask.max().dataSync()[0], 0);
  for (const frame of tf.unstack(out.video, 1)) assert.ok(bits(frame).equals(bits(image)), 'frame == image, bit for bit');
  const moving = buildImageToVideoGenerator({ ...ARGS, maskBias: 1000 });
  const out2 = generateFromImage(moving, image, sentence, noise, true);
  assert.equal(out2.mask.min().dataSync()[0], 1);
  assert.ok(bits(out2.video).equals(bits(out2.foreground)));
  // The bias is a weight like any other: it is recorded and the mask can learn away from it.
  assert.equal(still.getLayer('v_mask_bias').getWeights()[0]!.dataSync()[0], -1000);
  still.dispose();
  moving.dispose();
});

test('determinism: the same seed gives bit-identical weights and outputs, another seed others', () => {
  const { image, sentence, noise } = inputs();
  const a = buildImageToVideoGenerator(ARGS);
  const b = buildImageToVideoGenerator(ARGS);
  const c = buildImageToVideoGenerator({ ...ARGS, seed: 4 });
  assert.deepEqual(weightBits(a), weightBits(b));
  const [va, vb, vc] = [a, b, c].map((g) => generateFromImage(g, image, sentence, noise).video);
  assert.ok(bits(va!).equals(bits(vb!)));
  assert.ok(!bits(va!).equals(bits(vc!)));
  // Every kernel has its own stream: no two weight tensors of the same size are equal.
  const kernels = a.weights.filter((w) => w.name.endsWith('kernel')).map((w) => bits(w.read()));
  assert.equal(new Set(kernels.map((k) => k.toString('base64'))).size, kernels.length);
  // The conditioning matters: another sentence or noise gives another clip.
  const other = generateFromImage(a, image, tf.randomNormal([N, 6], 0, 1, 'float32', 99) as tf.Tensor2D, noise).video;
  assert.ok(!bits(other).equals(bits(va!)));
  for (const g of [a, b, c]) g.dispose();
});

test('save -> load (file://): bit-identical outputs in inference and training mode, metadata kept', async () => {
  const dir = await tempDir('t2v-vgan-');
  const g = buildImageToVideoGenerator({ ...ARGS, maskBias: -1.5 });
  const { image, sentence, noise } = inputs();
  // A few moving-statistics updates so that inference mode reads non-initial batch-norm weights.
  for (let i = 0; i < 3; i++) tf.dispose(g.apply([image, sentence, noise], { training: true }) as tf.Tensor[]);
  const before = g.apply([image, sentence, noise], { training: false }) as tf.Tensor[];
  await g.save(FILE_SCHEME + join(dir, 'i2v'));
  const loaded = await tf.loadLayersModel(FILE_SCHEME + join(dir, 'i2v', 'model.json'));
  const after = loaded.apply([image, sentence, noise], { training: false }) as tf.Tensor[];
  assert.equal(after.length, 3);
  after.forEach((t, i) => assert.ok(bits(t).equals(bits(before[i]!)), `output ${i}`));
  assert.deepEqual(loaded.inputNames, [...IMAGE_TO_VIDEO_INPUTS]);
  assert.equal(loaded.countParams(), g.countParams());
  assert.deepEqual(loaded.getUserDefinedMetadata(), g.getUserDefinedMetadata());
  assert.equal((loaded.getUserDefinedMetadata() as Record<string, { maskBias: number }>)[IMAGE_TO_VIDEO_METADATA_KEY]!.maskBias, -1.5);
  const trainedA = loaded.apply([image, sentence, noise], { training: true }) as tf.Tensor[];
  const trainedB = g.apply([image, sentence, noise], { training: true }) as tf.Tensor[];
  assert.ok(bits(trainedA[0]!).equals(bits(trainedB[0]!)));
  g.dispose();
  loaded.dispose();
});

test('training: every trainable weight gets a gradient (conv3dTranspose included); Adam steps leak no tensors', () => {
  const g = buildImageToVideoGenerator(ARGS);
  const { image, sentence, noise } = inputs();
  const target = tf.randomUniform([N, 4, 16, 16, 3], -1, 1, 'float32', 30);
  const optimizer = tf.train.adam(0.01, 0.5);
  const variables = g.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  let tensors = 0;
  for (let step = 0; step < 4; step++) {
    const { value, grads } = tf.variableGrads(() => {
      const out = generateFromImage(g, image, sentence, noise, true);
      return tf.add(tf.losses.meanSquaredError(target, out.video), maskL1Penalty(out.mask)) as tf.Scalar;
    }, variables);
    if (step === 0) {
      for (const v of variables) {
        const grad = grads[v.name];
        assert.ok(grad !== undefined, `${v.name} has a gradient`);
        assert.ok(tf.max(tf.abs(grad)).dataSync()[0]! > 0, `${v.name}: non-zero gradient`);
      }
    }
    optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    tf.dispose(grads);
    losses.push(value.dataSync()[0]!);
    value.dispose();
    if (step === 0) tensors = tf.memory().numTensors;
    else assert.equal(tf.memory().numTensors, tensors, `step ${step} leaked tensors`);
  }
  assert.ok(losses.at(-1)! < losses[0]!, `loss went ${losses.join(' ')}`);
  g.dispose();
});
