/**
 * Saving and loading models and named tensors on the local file system without @tensorflow/tfjs-node.
 *
 * - `registerFileSystemIO()` (also run when this module is imported; idempotent) registers `file://`
 *   save and load routers, so `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')`
 *   work on the wasm and cpu backends. The files are exactly tfjs-node's: `dir/model.json` (modelTopology,
 *   weightsManifest [{paths: ['weights.bin'], weights}], format, generatedBy, convertedBy, and
 *   trainingConfig / signature / userDefinedMetadata when present) and `dir/weights.bin` (all weights
 *   concatenated), so either side can read what the other wrote. When tfjs-node(-gpu) is loaded it
 *   registers its own `file://` routers and these step aside (tfjs refuses a URL two routers claim).
 *   Each file is written atomically, weights.bin first and model.json last, so a model.json on disk
 *   never announces weights that were not completely written.
 * - `saveTensors` / `loadTensors` keep named tensors (optimizer state, EMA weights…) in one file:
 *   a one-line JSON header (`{"format":"t2v-tensors","version":1,"byteLength":…,"specs":[…]}`, the specs
 *   being tf.io weight-manifest entries) followed by the raw little-endian data of tf.io.encodeWeights.
 *   Round trips are bit-exact.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';
import { ModelIOError } from './ModelIOError.ts';

export { ModelIOError } from './ModelIOError.ts';

export const FILE_SCHEME = 'file://';
export const MODEL_JSON_FILENAME = 'model.json';
export const WEIGHTS_BINARY_FILENAME = 'weights.bin';

const TENSORS_FORMAT = 't2v-tensors';
const TENSORS_VERSION = 1;

// ---------------------------------------------------------------------------------------------------
// file:// routers

const REGISTERED = Symbol.for('t2v.models.io.fileSystemIO.registered');
const registry = globalThis as { [REGISTERED]?: boolean };

type Router = Parameters<typeof tf.io.registerSaveRouter>[0];

/** Register the `file://` save and load routers with tf.io, once per process. */
export function registerFileSystemIO(): void {
  if (registry[REGISTERED]) return;
  registry[REGISTERED] = true;
  // tfjs types a router as always returning a handler, but it skips routers that return null.
  tf.io.registerSaveRouter(fileSaveRouter as unknown as Router);
  tf.io.registerLoadRouter(fileLoadRouter as unknown as Router);
}

/** True while a router asks tf.io which other routers claim a URL (the question reaches it again). */
let probing = false;

function othersClaim(lookUp: () => tf.io.IOHandler[]): boolean {
  probing = true;
  try {
    return lookUp().length > 0;
  } finally {
    probing = false;
  }
}

function fileSaveRouter(url: string | string[]): tf.io.IOHandler | null {
  if (probing || typeof url !== 'string' || !url.startsWith(FILE_SCHEME)) return null;
  if (othersClaim(() => tf.io.getSaveHandlers(url))) return null;
  return fileSystemIOHandler(url.slice(FILE_SCHEME.length));
}

function fileLoadRouter(url: string | string[]): tf.io.IOHandler | null {
  if (probing || typeof url !== 'string' || !url.startsWith(FILE_SCHEME)) return null;
  if (othersClaim(() => tf.io.getLoadHandlers(url))) return null;
  return fileSystemIOHandler(url.slice(FILE_SCHEME.length));
}

/**
 * An IOHandler for one path, usable directly (`model.save(fileSystemIOHandler(dir))`,
 * `tf.loadLayersModel(fileSystemIOHandler(file))`). Saving takes a folder (created if missing); loading
 * takes the model.json file or the folder holding it.
 */
export function fileSystemIOHandler(path: string): tf.io.IOHandler {
  const absolute = resolve(path);
  const saver = tf.io.withSaveHandler((artifacts) => saveModelArtifacts(absolute, artifacts));
  return { save: (artifacts) => saver.save!(artifacts), load: () => loadModelArtifacts(absolute) };
}

registerFileSystemIO();

// ---------------------------------------------------------------------------------------------------
// Models

/** Write `dir/weights.bin` then `dir/model.json`, each atomically, in tfjs-node's layout. */
export async function saveModelArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ModelIOError(dir, 'a binary (GraphDef) model topology cannot be saved as model.json');
  }
  await ensureDirectory(dir);
  const weightData =
    artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  // The key order, and which optional keys appear, follow tfjs-node's NodeFileSystem.save.
  const modelJSON: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    weightsManifest: [{ paths: [WEIGHTS_BINARY_FILENAME], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJSON.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;

  const weightsPath = join(dir, WEIGHTS_BINARY_FILENAME);
  const modelPath = join(dir, MODEL_JSON_FILENAME);
  await writeOrExplain(weightsPath, new Uint8Array(weightData));
  await writeOrExplain(modelPath, JSON.stringify(modelJSON));
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

/** Read a model.json (or the model.json inside a folder) and the weight files its manifest lists. */
export async function loadModelArtifacts(path: string): Promise<tf.io.ModelArtifacts> {
  const info = await stat(path).catch((error: unknown) => {
    throw new ModelIOError(path, `cannot read the model: ${describeFsError(error)}`, { cause: error });
  });
  const modelPath = info.isDirectory() ? join(path, MODEL_JSON_FILENAME) : path;
  const text = await readFile(modelPath, 'utf8').catch((error: unknown) => {
    throw new ModelIOError(modelPath, `cannot read the model: ${describeFsError(error)}`, { cause: error });
  });
  let modelJSON: tf.io.ModelJSON;
  try {
    modelJSON = JSON.parse(text) as tf.io.ModelJSON;
  } catch (error) {
    throw new ModelIOError(modelPath, `is not valid JSON (${firstLine(error)})`, { cause: error });
  }
  if (typeof modelJSON !== 'object' || modelJSON === null || Array.isArray(modelJSON) || modelJSON.modelTopology == null) {
    throw new ModelIOError(modelPath, 'is not a tfjs model.json: it has no modelTopology');
  }
  if (modelJSON.weightsManifest != null && !isWeightsManifest(modelJSON.weightsManifest)) {
    throw new ModelIOError(modelPath, 'has a malformed weightsManifest (expected [{paths: [...], weights: [...]}, ...])');
  }
  return tf.io.getModelArtifactsForJSON(modelJSON, (manifest) => loadWeightFiles(modelPath, manifest));
}

async function loadWeightFiles(
  modelPath: string,
  manifest: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const dir = dirname(modelPath);
  const buffers: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of manifest) {
    for (const relative of group.paths) {
      const weightsPath = join(dir, relative);
      buffers.push(
        await readFile(weightsPath).catch((error: unknown) => {
          throw new ModelIOError(weightsPath, `cannot read the weights of ${modelPath}: ${describeFsError(error)}`, {
            cause: error,
          });
        }),
      );
    }
    specs.push(...group.weights);
  }
  const total = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
  const expected = expectedByteLength(specs);
  if (expected !== undefined && expected !== total) {
    const where = buffers.length === 1 ? join(dir, manifest[0]!.paths[0]!) : modelPath;
    throw new ModelIOError(where, `holds ${total} bytes of weights but the manifest in ${modelPath} describes ${expected}`);
  }
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const buffer of buffers) {
    joined.set(buffer, offset);
    offset += buffer.byteLength;
  }
  return [specs, joined.buffer];
}

function isWeightsManifest(value: unknown): value is tf.io.WeightsManifestConfig {
  return (
    Array.isArray(value) &&
    value.every((group: unknown) => {
      const { paths, weights } = (group ?? {}) as Partial<tf.io.WeightsManifestConfig[number]>;
      return Array.isArray(paths) && paths.every((p: unknown) => typeof p === 'string') && Array.isArray(weights);
    })
  );
}

// ---------------------------------------------------------------------------------------------------
// Named tensors

interface TensorsHeader {
  format: typeof TENSORS_FORMAT;
  version: typeof TENSORS_VERSION;
  byteLength: number;
  specs: tf.io.WeightsManifestEntry[];
}

/** Write named tensors to one file, atomically (JSON header line + raw data); see the module comment. */
export async function saveTensors(path: string, tensors: Record<string, tf.Tensor>): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const header: TensorsHeader = { format: TENSORS_FORMAT, version: TENSORS_VERSION, byteLength: data.byteLength, specs };
  const headerBytes = new TextEncoder().encode(`${JSON.stringify(header)}\n`);
  const file = new Uint8Array(headerBytes.byteLength + data.byteLength);
  file.set(headerBytes, 0);
  file.set(new Uint8Array(data), headerBytes.byteLength);
  await writeOrExplain(path, file);
}

/** Read what saveTensors wrote: new tensors on the current backend, same names, dtypes, shapes and bits. */
export async function loadTensors(path: string): Promise<Record<string, tf.Tensor>> {
  const file = await readFile(path).catch((error: unknown) => {
    throw new ModelIOError(path, `cannot read the tensors: ${describeFsError(error)}`, { cause: error });
  });
  const newline = file.indexOf(0x0a);
  let header: TensorsHeader;
  try {
    if (newline < 0) throw new Error('no header line');
    header = JSON.parse(file.subarray(0, newline).toString('utf8')) as TensorsHeader;
  } catch (error) {
    throw new ModelIOError(path, `is not a ${TENSORS_FORMAT} file (${firstLine(error)})`, { cause: error });
  }
  if (header?.format !== TENSORS_FORMAT || !Array.isArray(header.specs) || typeof header.byteLength !== 'number') {
    throw new ModelIOError(path, `is not a ${TENSORS_FORMAT} file (unexpected header)`);
  }
  if (header.version !== TENSORS_VERSION) {
    throw new ModelIOError(path, `is ${TENSORS_FORMAT} version ${String(header.version)}; this build reads version ${TENSORS_VERSION}`);
  }
  const start = newline + 1;
  const available = file.byteLength - start;
  const expected = expectedByteLength(header.specs);
  if (available !== header.byteLength || (expected !== undefined && expected !== header.byteLength)) {
    throw new ModelIOError(
      path,
      `is truncated or corrupt: ${available} data bytes, header says ${header.byteLength}` +
        (expected === undefined ? '' : `, specs describe ${expected}`),
    );
  }
  // An ArrayBuffer of exactly the data (a Buffer may be a view into a larger shared pool).
  const data = file.buffer.slice(file.byteOffset + start, file.byteOffset + file.byteLength);
  try {
    return tf.io.decodeWeights(data, header.specs);
  } catch (error) {
    throw new ModelIOError(path, `cannot decode the tensors (${firstLine(error)})`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Total bytes the specs describe, or undefined when that depends on the data (strings) or is unknown. */
function expectedByteLength(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    if (!Array.isArray(spec.shape)) return undefined;
    const bytes = DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (bytes === undefined) return undefined;
    total += bytes * spec.shape.reduce((product, size) => product * size, 1);
  }
  return total;
}

async function ensureDirectory(dir: string): Promise<void> {
  try {
    await makeDirectory(dir);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists and is not a folder' : describeFsError(error);
    throw new ModelIOError(dir, `cannot save the model here: ${reason}`, { cause: error });
  }
}

async function writeOrExplain(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, data);
  } catch (error) {
    throw new ModelIOError(path, `cannot write: ${describeFsError(error)}`, { cause: error });
  }
}

function describeFsError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    case 'ENOTDIR':
      return 'a parent is not a folder';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return firstLine(error);
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]!.trim();
}
