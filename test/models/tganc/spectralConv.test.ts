/** SpectralConv: σ converges to the kernel's largest singular value; exact gradients; discriminators with it train and checkpoint. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { SpectralConv } from '../../../models/tganc/spectralConv.ts';
import { tinyTganArgs } from '../../../models/tganc/TganConfig.ts';
import { TganModel } from '../../../models/tganc/TganModel.ts';
import { trainBatch } from './helpers.ts';

before(async () => {
  registerKernelFixes();
  await selectBackend('cpu');
});

test('training calls move σ to the largest singular value, and the output is the convolution with W / σ', () => {
  // A 1x1 conv, 3 inputs -> 2 filters; as a matrix [[3, 0], [0, 1], [0, 0]]: singular values 3 and 1.
  const layer = new SpectralConv({ rank: 2, filters: 2, kernelSize: [1, 1], strides: [1, 1], padding: 'valid', seed: 4 });
  const x = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  tf.dispose(layer.apply(x) as tf.Tensor);
  const kernel = tf.tensor4d([3, 0, 0, 1, 0, 0], [1, 1, 3, 2]);
  layer.setWeights([kernel, layer.getWeights()[1]!]);
  const sigmas: number[] = [];
  for (let i = 0; i < 12; i++) {
    tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
    sigmas.push(layer.sigma());
  }
  assert.ok(Math.abs(sigmas.at(-1)! - 3) < 1e-3, `σ after 12 power iterations: ${sigmas.at(-1)} (want 3; path ${sigmas.map((s) => s.toFixed(3)).join(' ')})`);
  const y = layer.apply(x) as tf.Tensor;
  const expected = tf.conv2d(x, tf.div(kernel, 3) as tf.Tensor4D, 1, 'valid');
  assert.ok(tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]! < 1e-3);
  // Inference calls leave u alone.
  const before = layer.getWeights()[1]!.dataSync().slice();
  tf.dispose(layer.apply(x, { training: false }) as tf.Tensor);
  assert.deepEqual(layer.getWeights()[1]!.dataSync(), before);
  tf.dispose([x, kernel, y, expected]);
  layer.dispose();
});

test('gradients of input and kernel (σ included) match central finite differences, rank 2 and 3', () => {
  for (const rank of [2, 3] as const) {
    const spatial = rank === 2 ? [6, 6] : [4, 6, 6];
    const layer = new SpectralConv({ rank, filters: 3, kernelSize: rank === 2 ? [4, 4] : [3, 4, 4], strides: rank === 2 ? [2, 2] : [1, 2, 2], padding: 'same', kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: 2 }), seed: 3 });
    const x = tf.variable(tf.randomNormal([2, ...spatial, 2], 0, 1, 'float32', 5));
    tf.dispose(layer.apply(x) as tf.Tensor);
    const weight = layer.trainableWeights[0]!.read() as tf.Variable;
    const r = tf.randomNormal((layer.apply(x) as tf.Tensor).shape, 0, 1, 'float32', 6);
    // Inference mode: u stays fixed, so the loss is a fixed function of (x, W).
    const loss = () => tf.sum(tf.mul(layer.apply(x, { training: false }) as tf.Tensor, r)) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, [x, weight]);
    for (const v of [x, weight]) {
      const analytic = grads[v.name]!.dataSync();
      const values = v.dataSync().slice();
      for (const k of [0, 7, Math.floor(values.length / 2), values.length - 1]) {
        const h = 1e-2;
        const at = (delta: number) => {
          const moved = values.slice();
          moved[k] = moved[k]! + delta;
          v.assign(tf.tensor(moved, v.shape));
          return tf.tidy(() => loss().dataSync()[0]!);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(values, v.shape));
        const scale = Math.max(1, Math.abs(numeric));
        assert.ok(Math.abs(analytic[k]! - numeric) < 2e-2 * scale, `rank ${rank} ${v === x ? 'input' : 'kernel'}[${k}]: analytic ${analytic[k]} vs numeric ${numeric}`);
      }
    }
    tf.dispose([x, r, ...Object.values(grads)]);
    layer.dispose();
  }
});

test('spectralNorm discriminators: no batch norm, the u vectors move, train steps are finite and deterministic', () => {
  const args = { ...tinyTganArgs(), spectralNorm: true };
  const run = () => {
    const model = new TganModel(args);
    const batch = trainBatch(args, 2, 3);
    const results = [model.trainStep(batch), model.trainStep(batch)];
    const layers = model.discriminators.flatMap((d) => [...d.trunk.layers, ...d.head.layers]);
    const summary = {
      batchNorms: layers.filter((l) => l.getClassName() === 'TganBatchNorm').length,
      spectral: layers.filter((l) => l instanceof SpectralConv) as SpectralConv[],
    };
    const sigmas = summary.spectral.map((l) => l.sigma());
    model.dispose();
    tf.dispose(Object.values(batch));
    return { results, batchNorms: summary.batchNorms, spectralCount: summary.spectral.length, sigmas };
  };
  const a = run();
  assert.equal(a.batchNorms, 0);
  // video: 3 trunk convs + 2 head convs; frame and motion the same.
  assert.equal(a.spectralCount, 15);
  for (const r of a.results) {
    assert.ok(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss), `${r.dLoss} ${r.gLoss}`);
  }
  assert.ok(a.sigmas.every((s) => Number.isFinite(s) && s > 0));
  assert.deepEqual(run(), a, 'same args, same losses and σ');
});
