/**
 * Test helper: makes the tfjs wasm backend usable under Node.
 *
 * `@tensorflow/tfjs-backend-wasm`'s Node bundle locates its `.wasm` binaries
 * next to itself (`__dirname`) and reads them with `fs.readFileSync`, so it
 * works without configuration; we still point `setWasmPaths` at the package's
 * `dist/` folder explicitly so that a bundler or a changed working directory
 * cannot break it. `setWasmPaths` must run before the backend is first
 * initialised, hence the guard. Under Node tfjs selects the single-threaded
 * SIMD binary (`tfjs-backend-wasm-simd.wasm`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let pathsSet = false;

/** Absolute folder (with trailing slash) holding the tfjs-backend-wasm `.wasm` binaries. */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

/** Initialises the wasm backend (once) and makes it the active backend. */
export async function useWasm(): Promise<void> {
  if (!pathsSet && tf.engine().registry['wasm'] == null) {
    try {
      setWasmPaths(wasmDistDir());
    } catch {
      // Already initialised elsewhere (for example by models/backend): nothing to do.
    }
    pathsSet = true;
  }
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('could not initialise the tfjs wasm backend');
  await tf.ready();
}

/** Makes the pure-JS cpu backend the active backend. */
export async function useCpu(): Promise<void> {
  const ok = await tf.setBackend('cpu');
  if (!ok) throw new Error('could not initialise the tfjs cpu backend');
  await tf.ready();
}
