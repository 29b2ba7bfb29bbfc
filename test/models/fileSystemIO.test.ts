import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile, copyFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../models/backend/selectBackend.ts';
import {
  ModelIOError,
  loadTensors,
  registerFileSystemIO,
  saveTensors,
} from '../../models/io/fileSystemIO.ts';
import { T2vError } from '../../pipeline/errors/T2vError.ts';
import { tempDir } from '../helpers/tmp.ts';

before(async () => {
  await selectBackend('cpu');
});

/** dense + conv2d, deterministic weights. */
function smallModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 5, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: 'ones' }));
  return model;
}

function input(): tf.Tensor4D {
  return tf.tidy(() => tf.sin(tf.range(0, 2 * 6 * 6 * 3).mul(0.37)).reshape([2, 6, 6, 3]) as tf.Tensor4D);
}

function bytes(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function noTemporaries(names: string[]): void {
  assert.deepEqual(names.filter((name) => name.startsWith('.')), [], 'atomic writes leave no temporary files');
}

test('model.save("file://dir") writes tfjs-node\'s model.json + weights.bin, and loads back bit-identical', async () => {
  const dir = join(await tempDir(), 'nested', 'model');
  const model = smallModel();
  model.setUserDefinedMetadata({ caption: 'a digit moving left' });
  const x = input();
  const expected = model.predict(x) as tf.Tensor;

  const result = await model.save(`file://${dir}`);
  assert.equal(result.modelArtifactsInfo.modelTopologyType, 'JSON');

  const names = (await readdir(dir)).sort();
  assert.deepEqual(names, ['model.json', 'weights.bin']);
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json), ['modelTopology', 'weightsManifest', 'format', 'generatedBy', 'convertedBy', 'userDefinedMetadata']);
  assert.equal(json.format, 'layers-model');
  assert.match(json.generatedBy as string, /^TensorFlow\.js tfjs-layers v/);
  assert.equal(json.convertedBy, null);
  assert.deepEqual(json.userDefinedMetadata, { caption: 'a digit moving left' });
  const topology = json.modelTopology as { class_name: string; config: { layers: { class_name: string }[] } };
  assert.equal(topology.class_name, 'Sequential');
  assert.deepEqual(topology.config.layers.map((layer) => layer.class_name), ['Conv2D', 'Flatten', 'Dense']);
  const manifest = json.weightsManifest as { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  assert.equal(manifest.length, 1);
  assert.deepEqual(manifest[0]!.paths, ['weights.bin']);
  assert.deepEqual(manifest[0]!.weights.map((w) => w.shape), [[3, 3, 3, 4], [4], [64, 5], [5]]);
  assert.ok(manifest[0]!.weights.every((w) => w.dtype === 'float32'));
  const specBytes = manifest[0]!.weights.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  const modelBytes = model.weights.reduce((sum, w) => sum + 4 * w.read().size, 0);
  assert.equal((await stat(join(dir, 'weights.bin'))).size, specBytes);
  assert.equal(specBytes, modelBytes);
  assert.equal(result.modelArtifactsInfo.weightDataBytes, specBytes);

  const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
  const actual = loaded.predict(x) as tf.Tensor;
  assert.deepEqual(actual.shape, [2, 5]);
  assert.ok(bytes(actual).equals(bytes(expected)), 'predictions are bit-identical');
  for (const [i, weight] of model.weights.entries()) assert.ok(bytes(weight.read()).equals(bytes(loaded.weights[i]!.read())));
  assert.deepEqual(loaded.getUserDefinedMetadata(), { caption: 'a digit moving left' });
  // Loading from the folder works too.
  const fromDir = await tf.loadLayersModel(`file://${dir}`);
  assert.ok(bytes(fromDir.predict(x) as tf.Tensor).equals(bytes(expected)));

  // Saving again over the same folder replaces both files.
  await model.save(`file://${dir}`);
  noTemporaries(await readdir(dir));
  tf.dispose([x, expected, actual]);
});

test('a compiled, trained model saved with its optimizer keeps trainingConfig and Adam state', async () => {
  const dir = await tempDir();
  const model = smallModel();
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const x = input();
  const y = tf.ones([2, 5]);
  await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  await model.save(`file://${dir}`, { includeOptimizer: true });

  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  assert.ok('trainingConfig' in json);
  assert.deepEqual(Object.keys(json).slice(0, 5), ['modelTopology', 'weightsManifest', 'format', 'generatedBy', 'convertedBy']);
  const specs = (json.weightsManifest as { weights: { shape: number[]; group?: string }[] }[])[0]!.weights;
  assert.ok(specs.some((spec) => spec.group === 'optimizer'));
  const specBytes = specs.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal((await stat(join(dir, 'weights.bin'))).size, specBytes);

  const loaded = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
  const original = await model.optimizer.getWeights();
  const restored = await loaded.optimizer.getWeights();
  assert.deepEqual(restored.map((w) => w.name), original.map((w) => w.name));
  for (const [i, w] of original.entries()) assert.ok(bytes(w.tensor).equals(bytes(restored[i]!.tensor)), w.name);
  assert.ok(bytes(loaded.predict(x) as tf.Tensor).equals(bytes(model.predict(x) as tf.Tensor)));
  tf.dispose([x, y]);
});

test('the round trip is bit-identical on the wasm backend too', async () => {
  await selectBackend('wasm');
  try {
    const dir = await tempDir();
    const model = smallModel();
    const x = input();
    const expected = model.predict(x) as tf.Tensor;
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    assert.ok(bytes(loaded.predict(x) as tf.Tensor).equals(bytes(expected)));
  } finally {
    await selectBackend('cpu');
  }
});

test('registration is idempotent: exactly one file:// handler each way', () => {
  registerFileSystemIO();
  registerFileSystemIO();
  assert.equal(tf.io.getSaveHandlers('file:///tmp/x').length, 1);
  assert.equal(tf.io.getLoadHandlers('file:///tmp/x/model.json').length, 1);
  assert.equal(tf.io.getSaveHandlers('localstorage://x').length, 0);
});

/** Rejects with a one-line ModelIOError whose message names `path` and matches `reason`. */
async function rejectsNaming(promise: Promise<unknown>, path: string, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ModelIOError, String(error));
    assert.ok(error instanceof T2vError);
    assert.equal(error.code, 'MODEL_IO');
    assert.ok(error.message.startsWith(`${path}: `), error.message);
    assert.match(error.message, reason);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
}

test('missing or unreadable model files give a one-line error naming the path', async () => {
  const dir = await tempDir();
  const missing = join(dir, 'nope', 'model.json');
  await rejectsNaming(tf.loadLayersModel(`file://${missing}`), missing, /cannot read the model: no such file or folder$/);

  const garbled = join(dir, 'garbled', 'model.json');
  await mkdir(join(dir, 'garbled'));
  await writeFile(garbled, '{"modelTopology": ');
  await rejectsNaming(tf.loadLayersModel(`file://${garbled}`), garbled, /is not valid JSON/);

  const notModel = join(dir, 'other', 'model.json');
  await mkdir(join(dir, 'other'));
  await writeFile(notModel, '[1, 2]');
  await rejectsNaming(tf.loadLayersModel(`file://${notModel}`), notModel, /no modelTopology/);

  const folderAsFile = join(dir, 'folder', 'model.json');
  await mkdir(folderAsFile, { recursive: true });
  await rejectsNaming(tf.loadLayersModel(`file://${join(dir, 'folder')}`), folderAsFile, /is a folder$/);

  // model.json without its weights, then with truncated weights ((3*3*3*4 + 4 + 64*5 + 5) * 4 = 1748 bytes).
  const saved = join(dir, 'saved');
  await smallModel().save(`file://${saved}`);
  const orphan = join(dir, 'orphan');
  await mkdir(orphan);
  await copyFile(join(saved, 'model.json'), join(orphan, 'model.json'));
  await rejectsNaming(tf.loadLayersModel(`file://${orphan}/model.json`), join(orphan, 'weights.bin'), /cannot read the weights of .*model\.json: no such file or folder$/);
  await truncate(join(saved, 'weights.bin'), 100);
  await rejectsNaming(tf.loadLayersModel(`file://${saved}/model.json`), join(saved, 'weights.bin'), /holds 100 bytes of weights but the manifest in .* describes 1748$/);

  // Saving where a file stands.
  const file = join(dir, 'a-file');
  await writeFile(file, 'x');
  await rejectsNaming(smallModel().save(`file://${file}`), file, /exists and is not a folder$/);
});

test('saveTensors / loadTensors round-trip float32, int32 and bool tensors bit for bit', async () => {
  const dir = await tempDir();
  const path = join(dir, 'state', 'adam.tensors');
  const specials = new Float32Array([0, -0, NaN, Infinity, -Infinity, 1e-45, -3.4028234663852886e38, Math.PI, 1 / 3]);
  const tensors: Record<string, tf.Tensor> = {
    'generator/conv1/kernel': tf.tensor4d(values(3 * 3 * 2 * 4), [3, 3, 2, 4]),
    'specials': tf.tensor1d(specials),
    'step': tf.scalar(1234567, 'int32'),
    'counts': tf.tensor2d(new Int32Array([-2147483648, 2147483647, 0, -1, 42, 7]), [2, 3], 'int32'),
    'mask': tf.tensor1d([true, false, true], 'bool'),
    'empty': tf.zeros([0, 3]),
  };
  await saveTensors(path, tensors);
  noTemporaries(await readdir(join(dir, 'state')));

  const file = await readFile(path);
  const header = JSON.parse(file.subarray(0, file.indexOf(0x0a)).toString('utf8')) as { format: string; version: number; byteLength: number };
  assert.equal(header.format, 't2v-tensors');
  assert.equal(header.version, 1);
  assert.equal(file.byteLength - file.indexOf(0x0a) - 1, header.byteLength);

  for (const choice of ['cpu', 'wasm'] as const) {
    await selectBackend(choice);
    const loaded = await loadTensors(path);
    assert.deepEqual(Object.keys(loaded), Object.keys(tensors));
    for (const [name, original] of Object.entries(tensors)) {
      const copy = loaded[name]!;
      assert.equal(copy.dtype, original.dtype, name);
      assert.deepEqual(copy.shape, original.shape, name);
      assert.ok(bytes(copy).equals(bytes(original)), `${name} on ${choice}`);
    }
    tf.dispose(Object.values(loaded));
  }
  await selectBackend('cpu');

  // Broken files: one line, naming the file.
  const missing = join(dir, 'missing.tensors');
  await rejectsNaming(loadTensors(missing), missing, /no such file or folder$/);
  const truncated = join(dir, 'truncated.tensors');
  await writeFile(truncated, file.subarray(0, file.byteLength - 4));
  await rejectsNaming(loadTensors(truncated), truncated, /is truncated or corrupt/);
  const notTensors = join(dir, 'model.json');
  await writeFile(notTensors, '{"modelTopology": {}}\n');
  await rejectsNaming(loadTensors(notTensors), notTensors, /is not a t2v-tensors file/);
  tf.dispose(Object.values(tensors));
});

function values(count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 7) - 3));
}

test('the routers step aside for URLs another file:// router claims (as tfjs-node registers its own)', () => {
  // Registered last in this file: tf.io has no way to unregister a router.
  const other: tf.io.IOHandler = { save: async () => ({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }) };
  const claims = (url: string | string[]) => (typeof url === 'string' && url.startsWith('file:///claimed/') ? other : null);
  tf.io.registerSaveRouter(claims as unknown as Parameters<typeof tf.io.registerSaveRouter>[0]);
  tf.io.registerLoadRouter(claims as unknown as Parameters<typeof tf.io.registerLoadRouter>[0]);
  assert.deepEqual(tf.io.getSaveHandlers('file:///claimed/model'), [other]);
  assert.deepEqual(tf.io.getLoadHandlers('file:///claimed/model/model.json'), [other]);
  const ours = tf.io.getSaveHandlers('file:///elsewhere/model');
  assert.equal(ours.length, 1);
  assert.notEqual(ours[0], other);
});
