/** TganModel on the wasm backend (with registerKernelFixes): 2 steps give finite losses, close to cpu. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../../models/kernels/registerKernelFixes.ts';
import { tinyTganArgs } from '../../../models/tganc/TganConfig.ts';
import { TganModel } from '../../../models/tganc/TganModel.ts';
import type { TganStepResult } from '../../../models/tganc/TganModel.ts';
import { trainBatch } from './helpers.ts';

registerKernelFixes();

async function twoSteps(backend: 'wasm' | 'cpu'): Promise<TganStepResult[]> {
  await selectBackend(backend);
  const args = tinyTganArgs();
  const model = new TganModel(args);
  const results: TganStepResult[] = [];
  for (let i = 0; i < 2; i++) {
    const batch = trainBatch(args, 2, 20 + i);
    results.push(model.trainStep(batch));
    tf.dispose(Object.values(batch));
  }
  const clip = model.generate(model.sampleNoise(2, 1), tf.zeros([2, args.sentenceDim]) as tf.Tensor2D);
  assert.deepEqual(clip.shape, [2, 4, 16, 16, 1]);
  model.dispose();
  return results;
}

test('two train steps on wasm: finite losses that agree with cpu', async () => {
  const wasm = await twoSteps('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  for (const r of wasm) {
    assert.ok(Number.isFinite(r.dLoss) && Number.isFinite(r.gLoss));
    for (const [name, v] of Object.entries(r.parts)) assert.ok(Number.isFinite(v), `${name} = ${v}`);
  }
  const cpu = await twoSteps('cpu');
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(wasm[i]!.dLoss - cpu[i]!.dLoss) < 1e-3, `step ${i + 1} dLoss ${wasm[i]!.dLoss} vs ${cpu[i]!.dLoss}`);
    assert.ok(Math.abs(wasm[i]!.gLoss - cpu[i]!.gLoss) < 1e-3, `step ${i + 1} gLoss ${wasm[i]!.gLoss} vs ${cpu[i]!.gLoss}`);
  }
});
