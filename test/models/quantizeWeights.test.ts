/**
 * quantizeWeights and `t2v quantize`: large weights become uint8/uint16 codes that tf.loadLayersModel reads
 * back within half a quantisation step; small ones stay float32; the file shrinks (4x for 8 bits).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../models/backend/selectBackend.ts';
import { FILE_SCHEME } from '../../models/io/fileSystemIO.ts';
import { quantizeWeights } from '../../models/io/quantizeWeights.ts';
import { tempDir } from '../helpers/tmp.ts';
import { main } from '../../cli/main.ts';

before(async () => {
  await selectBackend('cpu');
});

async function savedModel(): Promise<{ dir: string; model: tf.LayersModel }> {
  const input = tf.input({ shape: [16] });
  const hidden = tf.layers.dense({ name: 'big', units: 128, activation: 'relu', kernelInitializer: tf.initializers.randomNormal({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2 }) }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'small', units: 4, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const dir = join(await tempDir('t2v-quantize-'), 'net');
  await model.save(FILE_SCHEME + dir);
  return { dir, model };
}

for (const bits of [8, 16] as const) {
  test(`${bits}-bit: the large weight loads back within half a step; small ones exactly; the file shrinks`, async () => {
    const { dir, model } = await savedModel();
    const before = (await stat(join(dir, 'weights.bin'))).size;
    const result = await quantizeWeights(dir, { bits, minSize: 1000 });
    assert.deepEqual(result.quantized, ['big/kernel'], 'only the 16x128 kernel is large enough');
    assert.equal(result.bytesBefore, before);
    assert.equal((await stat(join(dir, 'weights.bin'))).size, result.bytesAfter);
    assert.equal(before - result.bytesAfter, 16 * 128 * (4 - bits / 8));
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')).weightsManifest[0].weights as { name: string; quantization?: { scale: number } }[];
    const loaded = await tf.loadLayersModel(FILE_SCHEME + join(dir, 'model.json'));
    const original = model.getWeights();
    loaded.getWeights().forEach((w, i) => {
      const q = manifest[i]!.quantization;
      const diff = tf.max(tf.abs(tf.sub(w, original[i]!))).dataSync()[0]!;
      if (q === undefined) assert.equal(diff, 0, `${manifest[i]!.name} kept exactly`);
      else assert.ok(diff <= q.scale / 2 + 1e-6 && diff > 0, `${manifest[i]!.name}: error ${diff}, step ${q.scale}`);
    });
    assert.deepEqual((await quantizeWeights(dir, { bits })).quantized, [], 'quantising again changes nothing');
  });
}

test('t2v quantize: every network of a model folder; a folder without t2v-model.json is refused', async () => {
  const { dir } = await savedModel();
  const folder = join(dir, '..', 'model');
  await cp(dir, join(folder, 'generator'), { recursive: true });
  await cp(join(dir, 'model.json'), join(folder, 't2v-model.json'));
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  assert.equal(await main(['quantize', '--model', folder], io), 0, lines.join('\n'));
  assert.match(lines.join('\n'), /generator: 1 weight\(s\) to 8-bit codes/);
  assert.equal(await main(['quantize', '--model', dir], io), 2);
  assert.match(lines.join('\n'), /is not a model folder/);
});
