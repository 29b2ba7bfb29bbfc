/**
 * Affine weight quantisation of a saved tfjs layers model (model.json + weights.bin), in the tfjs format's
 * own terms: each large float32 weight is stored as uint8 or uint16 with `quantization: {dtype, min,
 * scale}` in the manifest, and tf.loadLayersModel (here or in a browser) turns it back into float32 as
 * v · scale + min. uint8 makes a weight 4x smaller, with an error of at most scale / 2 = (max - min) / 510.
 *
 * Small weights (biases, batch-norm statistics) stay float32: they are a negligible share of the bytes
 * and a bias's error is not averaged out by a sum over many inputs. Both files are written in full under
 * temporary names and then renamed.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface QuantizeOptions {
  /** 8 (uint8) or 16 (uint16). */
  bits: 8 | 16;
  /** Weights with fewer values stay float32. Default 1024. */
  minSize?: number;
}

export interface QuantizeResult {
  /** Names of the weights now quantised. */
  quantized: string[];
  bytesBefore: number;
  bytesAfter: number;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

const bytesOf = (spec: WeightSpec, count: number): number =>
  count * (spec.quantization ? { uint8: 1, uint16: 2, float16: 2 }[spec.quantization.dtype]! : 4);

/** Quantises the weights of `dir/model.json` in place; weights already quantised are kept as they are. */
export async function quantizeWeights(dir: string, options: QuantizeOptions): Promise<QuantizeResult> {
  if (options.bits !== 8 && options.bits !== 16) throw new RangeError(`bits must be 8 or 16, got ${String(options.bits)}`);
  const minSize = options.minSize ?? 1024;
  const modelPath = join(dir, 'model.json');
  const model = JSON.parse(await readFile(modelPath, 'utf8')) as { weightsManifest: { paths: string[]; weights: WeightSpec[] }[] };
  if (!Array.isArray(model.weightsManifest) || model.weightsManifest.length !== 1 || model.weightsManifest[0]!.paths.length !== 1) {
    throw new RangeError(`${modelPath}: expected one weights file (as t2v writes them)`);
  }
  const group = model.weightsManifest[0]!;
  const binPath = join(dir, group.paths[0]!);
  const bin = await readFile(binPath);
  const levels = 2 ** options.bits - 1;
  const parts: Buffer[] = [];
  const quantized: string[] = [];
  let offset = 0;
  for (const spec of group.weights) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const size = bytesOf(spec, count);
    const bytes = bin.subarray(offset, offset + size);
    offset += size;
    if (spec.quantization !== undefined || spec.dtype !== 'float32' || count < minSize) {
      parts.push(Buffer.from(bytes));
      continue;
    }
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + size));
    let [min, max] = [Infinity, -Infinity];
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const scale = max > min ? (max - min) / levels : 1;
    const codes = options.bits === 8 ? new Uint8Array(count) : new Uint16Array(count);
    for (let i = 0; i < count; i++) codes[i] = Math.round((values[i]! - min) / scale);
    parts.push(Buffer.from(codes.buffer));
    spec.quantization = { dtype: options.bits === 8 ? 'uint8' : 'uint16', min, scale };
    quantized.push(spec.name);
  }
  if (offset !== bin.length) throw new RangeError(`${binPath}: ${bin.length} bytes, but the manifest describes ${offset}`);
  const out = Buffer.concat(parts);
  await writeFile(`${binPath}.tmp`, out);
  await writeFile(`${modelPath}.tmp`, JSON.stringify(model));
  await rename(`${binPath}.tmp`, binPath);
  await rename(`${modelPath}.tmp`, modelPath);
  return { quantized, bytesBefore: bin.length, bytesAfter: out.length };
}
