/** Helpers for the convolution kernel tests: seeded data, backend runs, error measures. */
import * as tf from '@tensorflow/tfjs';
import { useCpu, useWasm } from './wasmSetup.ts';

export type Backend = 'cpu' | 'wasm';

/** Uniform values in [-1, 1) from a 32-bit LCG: same data on every run and backend. */
export function seeded(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export async function use(backend: Backend): Promise<void> {
  if (backend === 'wasm') await useWasm();
  else await useCpu();
}

/** Runs fn on a backend (inside tidy) and returns the values of the tensors it returns. */
export async function runOn(backend: Backend, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await use(backend);
  const ts = tf.tidy(fn);
  const out = ts.map((t) => t.dataSync() as Float32Array);
  ts.forEach((t) => t.dispose());
  return out;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}

/** max |a - b| / max(1, max |ref|): the tests' error measure against a reference. */
export function scaledError(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  return maxAbsDiff(got, ref) / Math.max(1, maxAbs(ref));
}
