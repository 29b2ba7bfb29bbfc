import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  BackendUnavailableError,
  TFJS_NODE_GPU_NOT_INSTALLED,
  currentBackend,
  selectBackend,
  type BackendInfo,
} from '../../models/backend/selectBackend.ts';
import { T2vError, UsageError } from '../../pipeline/errors/T2vError.ts';

/** Deterministic values in [-1, 1) (a small LCG), so both backends see the same inputs. */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

async function matMulOn(choice: 'cpu' | 'wasm'): Promise<Float32Array> {
  await selectBackend(choice);
  const a = tf.tensor2d(values(37 * 53, 1), [37, 53]);
  const b = tf.tensor2d(values(53 * 29, 2), [53, 29]);
  const c = tf.matMul(a, b);
  const data = (await c.data()) as Float32Array;
  tf.dispose([a, b, c]);
  return data;
}

test('auto picks wasm on this machine (no tfjs-node-gpu) and says why', async () => {
  const listeners = () => [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')];
  const before = listeners();
  const lines: string[] = [];
  const info = await selectBackend('auto', { log: (line) => lines.push(line) });
  assert.equal(info.name, 'wasm');
  assert.equal(info.requested, 'auto');
  assert.equal(info.package, '@tensorflow/tfjs-backend-wasm');
  assert.equal(info.version, tf.version_core);
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(info.reason ?? '', /@tensorflow\/tfjs-node-gpu/);
  assert.equal(info.reason, TFJS_NODE_GPU_NOT_INSTALLED);
  // Under Node tfjs uses the single-threaded binary; SIMD is validated by Node 20's V8.
  assert.equal(info.simd, true);
  assert.equal(info.threads, 1);
  assert.match(info.binary ?? '', /tfjs-backend-wasm-simd\.wasm$/);
  assert.ok(existsSync(info.binary!));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^tensor backend: wasm \(@tensorflow\/tfjs-backend-wasm [\d.]+, SIMD, 1 thread\), requested auto; /);
  assert.equal(currentBackend(), info);
  // Emscripten's rethrowing process listeners are taken back out.
  assert.deepEqual(listeners(), before);
});

test('the same choice again is cheap and returns the same description', async () => {
  const first = await selectBackend('auto');
  const lines: string[] = [];
  const start = performance.now();
  for (let i = 0; i < 100; i++) assert.equal(await selectBackend('auto', { log: (line) => lines.push(line) }), first);
  assert.ok(performance.now() - start < 100, 'repeat selections should not re-initialise anything');
  assert.deepEqual(lines, []);
  assert.ok(Object.isFrozen(first));
});

test("'tensorflow' throws BackendUnavailableError with a one-line reason, and the backend stays usable", async () => {
  const before = await selectBackend('wasm');
  await assert.rejects(selectBackend('tensorflow'), (error: unknown) => {
    assert.ok(error instanceof BackendUnavailableError);
    assert.ok(error instanceof T2vError);
    assert.equal(error.code, 'BACKEND_UNAVAILABLE');
    assert.equal(error.backend, 'tensorflow');
    assert.equal(
      error.message,
      '@tensorflow/tfjs-node-gpu is not installed: it needs to download libtensorflow at install time; ' +
        'run npm install on a machine with internet or use --backend wasm',
    );
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(currentBackend(), before);
  assert.deepEqual(Array.from(tf.tensor([2, 3]).square().dataSync()), [4, 9]);
});

test('explicit cpu and wasm give the same matMul within 1e-5', async () => {
  const cpu = await matMulOn('cpu');
  assert.equal(currentBackend()?.name, 'cpu');
  const wasm = await matMulOn('wasm');
  assert.equal(currentBackend()?.name, 'wasm');
  assert.equal(cpu.length, 37 * 29);
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(cpu[i]! - wasm[i]!));
  assert.ok(worst <= 1e-5, `largest difference ${worst}`);
});

test('switching back and forth works, tensors follow', async () => {
  const seen: BackendInfo[] = [];
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  for (const choice of ['cpu', 'wasm', 'cpu', 'auto', 'cpu', 'wasm'] as const) {
    const info = await selectBackend(choice);
    seen.push(info);
    assert.equal(tf.getBackend(), info.name);
    assert.equal(currentBackend(), info);
    assert.equal(info.requested, choice);
    assert.deepEqual(Array.from(tf.matMul(x, x).dataSync()), [7, 10, 15, 22]);
  }
  assert.deepEqual(seen.map((info) => info.name), ['cpu', 'wasm', 'cpu', 'wasm', 'cpu', 'wasm']);
  const cpu = seen[0]!;
  assert.deepEqual({ ...cpu }, { name: 'cpu', requested: 'cpu', package: '@tensorflow/tfjs-backend-cpu', version: tf.version_core, threads: 1 });
  // Someone else switching behind selectBackend's back is noticed.
  await tf.setBackend('cpu');
  assert.equal(currentBackend(), undefined);
  x.dispose();
});

test('a threads request the wasm backend cannot honour under Node is logged', async () => {
  await selectBackend('cpu');
  const lines: string[] = [];
  const info = await selectBackend('wasm', { threads: 2, log: (line) => lines.push(line) });
  assert.equal(info.threads, 1);
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /2 threads requested, 1 active/);
});

test('bad arguments are usage errors', async () => {
  await assert.rejects(selectBackend('gpu' as never), UsageError);
  await assert.rejects(selectBackend('wasm', { threads: 0 }), UsageError);
});

test('auto falls back to cpu when wasm cannot be instantiated, without tfjs noise', async () => {
  const script = fileURLToPath(new URL('./fixtures/autoWithoutWasm.ts', import.meta.url));
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout.trim()) as {
    auto: BackendInfo;
    square: number[];
    wasmError?: { name: string; message: string };
    backendAfter: string;
  };
  assert.equal(result.auto.name, 'cpu');
  assert.equal(result.auto.requested, 'auto');
  assert.match(result.auto.reason!, /^@tensorflow\/tfjs-node-gpu is not installed: .*; the tfjs wasm backend failed to initialise with .*tfjs-backend-wasm-simd\.wasm \(.*WebAssembly disabled by the test\); use --backend cpu$/);
  assert.deepEqual(result.square, [1, 4, 9]);
  assert.equal(result.wasmError?.name, 'BackendUnavailableError');
  assert.match(result.wasmError!.message, /^the tfjs wasm backend failed to initialise/);
  assert.ok(!result.wasmError!.message.includes('\n'));
  assert.equal(result.backendAfter, 'cpu');
  // Neither the cpu backend's "install tfjs-node" banner nor Emscripten's abort lines were printed.
  assert.equal(stderr, '');
});
