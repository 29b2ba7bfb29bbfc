/**
 * Choosing the tfjs tensor backend: libtensorflow through `@tensorflow/tfjs-node-gpu` when it is installed
 * (a GPU box), else the wasm backend (XNNPACK, SIMD), else the pure-JS cpu backend.
 *
 * How each is loaded under Node 20 ESM:
 * - `@tensorflow/tfjs-node-gpu` is an optional dependency whose install downloads libtensorflow; it is
 *   imported dynamically (a missing package or a failing native load is caught and becomes the reason
 *   `auto` fell back). Importing it registers the `tensorflow` backend (and its own `file://` IO routers).
 * - `@tensorflow/tfjs-backend-wasm` resolves (through its `main`) to its CommonJS Node bundle, whose
 *   Emscripten loader reads the `.wasm` binary with `fs.readFileSync` (Node's fetch cannot load file://
 *   URLs, and Emscripten does not use fetch under Node). It would find the binaries next to itself
 *   (`__dirname`); we still point `setWasmPaths` at that folder, resolved from node_modules, so that the
 *   location never depends on how the bundle was reached. tfjs turns multithreading off under Node
 *   (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs issue #3830), so the active binary is
 *   `tfjs-backend-wasm-simd.wasm` (single-threaded) when the runtime validates SIMD, else the plain one.
 * - cpu needs nothing; its first tensor write prints a "looks like you are running TensorFlow.js in
 *   Node.js… install tfjs-node" banner, which is silenced here (the advice is what `auto` already tries).
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { UsageError } from '../../pipeline/errors/T2vError.ts';
import { BackendUnavailableError } from './BackendUnavailableError.ts';

export { BackendUnavailableError } from './BackendUnavailableError.ts';

export { BACKEND_CHOICES, type BackendChoice } from './backendChoices.ts';
import { BACKEND_CHOICES, type BackendChoice } from './backendChoices.ts';

export interface BackendInfo {
  /** The tfjs backend now active (`tf.getBackend()`). */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** What was asked for. */
  requested: BackendChoice;
  /** The npm package providing it, and its version. */
  package: string;
  version: string;
  /** Threads the backend computes with (wasm: as reported by the module; cpu: 1; tensorflow: if set). */
  threads?: number;
  /** wasm only: whether the SIMD binary is the one running. */
  simd?: boolean;
  /** tensorflow only: whether libtensorflow placed ops on a GPU (undefined when it cannot tell). */
  gpu?: boolean;
  /** wasm only: the `.wasm` file loaded. */
  binary?: string;
  /** Why `auto` did not get a faster backend (one line per skipped backend, joined with "; "). */
  reason?: string;
}

export interface SelectBackendOptions {
  /**
   * Threads to ask for. wasm: passed to `setThreadsCount` before the backend is first initialised; it
   * only takes effect with the threaded binary, which tfjs does not use under Node (reported as
   * `threads: 1`). tensorflow: sets TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS (when unset) before
   * libtensorflow loads. cpu: ignored (pure JS is single-threaded).
   */
  threads?: number;
  /** Receives one line describing the backend each time it is initialised or switched to. */
  log?: (line: string) => void;
}

const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';
const TFJS_CPU = '@tensorflow/tfjs-backend-cpu';

export const TFJS_NODE_GPU_NOT_INSTALLED =
  `${TFJS_NODE_GPU} is not installed: it needs to download libtensorflow at install time; ` +
  'run npm install on a machine with internet or use --backend wasm';

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

type Probe<T> = { ok: true; value: T } | { ok: false; reason: string; cause?: unknown };

const require = createRequire(import.meta.url);

/** The last backend selectBackend made active; undefined before the first call. */
let current: BackendInfo | undefined;
/** The `threads` option `current` was selected with. */
let currentThreadsOption: number | undefined;
/** Calls run one after another: tf.setBackend is global state. */
let queue: Promise<unknown> = Promise.resolve();
/** Outcomes cached for the life of the process (a failed native load or wasm init does not heal). */
let tensorflowProbe: Promise<Probe<{ version: string }>> | undefined;
let wasmLoad: Promise<Probe<WasmModule>> | undefined;
let wasmInitFailure: string | undefined;

/**
 * Make a tfjs backend active and describe it. Calling again with the same choice (and threads) is cheap
 * and returns the same description; a different choice switches with `tf.setBackend`. Concurrent calls
 * are serialised. `tensorflow` or `wasm` that cannot run throw a BackendUnavailableError; `auto` never
 * throws for an unavailable backend, it falls back (tensorflow → wasm → cpu) and says why in `reason`.
 */
export async function selectBackend(choice: BackendChoice, options: SelectBackendOptions = {}): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new UsageError(`unknown backend '${String(choice)}': expected one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const { threads } = options;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new UsageError(`threads must be a positive integer, got ${threads}`);
  }
  const run = queue.then(() => select(choice, options));
  queue = run.catch(() => undefined);
  return run;
}

/** The backend selectBackend last made active, or undefined if none was (or tf.setBackend was called since). */
export function currentBackend(): BackendInfo | undefined {
  if (current === undefined || tf.engine().backendName !== current.name) return undefined;
  return current;
}

async function select(choice: BackendChoice, options: SelectBackendOptions): Promise<BackendInfo> {
  if (
    current !== undefined &&
    current.requested === choice &&
    (options.threads === undefined || options.threads === currentThreadsOption) &&
    tf.engine().backendName === current.name &&
    tf.engine().registry[current.name] !== undefined
  ) {
    return current;
  }
  silenceCpuBanner();
  const previous = currentBackend();
  let info: BackendInfo;
  try {
    info = await activate(choice, options.threads);
  } catch (error) {
    // A failed tf.setBackend leaves the engine pointing at the failed backend: go back to a usable one.
    await restore(previous);
    throw error;
  }
  current = Object.freeze(info);
  currentThreadsOption = options.threads;
  options.log?.(describe(current));
  if (options.threads !== undefined && current.threads !== undefined && current.threads !== options.threads && current.name === 'wasm') {
    options.log?.(
      `tensor backend: ${options.threads} threads requested, ${current.threads} active ` +
        '(tfjs runs the single-threaded wasm binary under Node, tfjs issue #3830)',
    );
  }
  return current;
}

async function activate(choice: BackendChoice, threads: number | undefined): Promise<BackendInfo> {
  switch (choice) {
    case 'tensorflow':
      return activateTensorflow('tensorflow', threads);
    case 'wasm':
      return activateWasm('wasm', threads);
    case 'cpu':
      return activateCpu('cpu');
    case 'auto': {
      const reasons: string[] = [];
      for (const attempt of [activateTensorflow, activateWasm] as const) {
        try {
          return withReason(await attempt('auto', threads), reasons);
        } catch (error) {
          if (!(error instanceof BackendUnavailableError)) throw error;
          reasons.push(error.message);
        }
      }
      return withReason(await activateCpu('auto'), reasons);
    }
  }
}

function withReason(info: BackendInfo, reasons: string[]): BackendInfo {
  return reasons.length === 0 ? info : { ...info, reason: reasons.join('; ') };
}

// ---------------------------------------------------------------------------------------------------
// tensorflow (libtensorflow through @tensorflow/tfjs-node-gpu)

async function activateTensorflow(requested: BackendChoice, threads: number | undefined): Promise<BackendInfo> {
  if (threads !== undefined && tensorflowProbe === undefined) {
    // Read by libtensorflow when it creates its thread pools (after the binding loads).
    process.env.TF_NUM_INTRAOP_THREADS ??= String(threads);
    process.env.TF_NUM_INTEROP_THREADS ??= String(threads);
  }
  tensorflowProbe ??= probeTensorflow();
  const probe = await tensorflowProbe;
  if (!probe.ok) throw new BackendUnavailableError('tensorflow', probe.reason, { cause: probe.cause });
  const { ok, messages } = await setBackendQuietly('tensorflow');
  if (!ok) {
    throw new BackendUnavailableError(
      'tensorflow',
      `${TFJS_NODE_GPU} loaded but its tensorflow backend failed to initialise${detail(messages)}; use --backend wasm`,
    );
  }
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: unknown };
  const intraOp = Number(process.env.TF_NUM_INTRAOP_THREADS);
  return {
    name: 'tensorflow',
    requested,
    package: TFJS_NODE_GPU,
    version: probe.value.version,
    ...(Number.isInteger(intraOp) && intraOp > 0 ? { threads: intraOp } : {}),
    ...(typeof backend.isUsingGpuDevice === 'boolean' ? { gpu: backend.isUsingGpuDevice } : {}),
  };
}

async function probeTensorflow(): Promise<Probe<{ version: string }>> {
  let module: { version?: Record<string, string> };
  try {
    // A variable specifier: the package is optional and has no types here.
    const specifier: string = TFJS_NODE_GPU;
    module = (await import(specifier)) as typeof module;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${TFJS_NODE_GPU}'`)) {
      return { ok: false, reason: TFJS_NODE_GPU_NOT_INSTALLED, cause: error };
    }
    return {
      ok: false,
      reason: `${TFJS_NODE_GPU} is installed but failed to load its native binding (${firstLine(error)}); use --backend wasm`,
      cause: error,
    };
  }
  if (tf.engine().registryFactory['tensorflow'] === undefined) {
    return {
      ok: false,
      reason: `${TFJS_NODE_GPU} loaded but registered no tensorflow backend with this copy of @tensorflow/tfjs (duplicate tfjs-core?); use --backend wasm`,
    };
  }
  return { ok: true, value: { version: module.version?.['tfjs-node'] ?? packageVersion(TFJS_NODE_GPU) } };
}

// ---------------------------------------------------------------------------------------------------
// wasm

/** The folder (with a trailing separator) holding tfjs-backend-wasm's `.wasm` binaries. */
export function wasmBinaryDirectory(): string {
  return dirname(require.resolve(TFJS_WASM)) + sep;
}

async function loadWasm(): Promise<Probe<WasmModule>> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // setWasmPaths must precede the first initialisation; it is a no-op for an already initialised backend.
    if (tf.engine().registry['wasm'] === undefined) wasm.setWasmPaths(wasmBinaryDirectory());
    return { ok: true, value: wasm };
  } catch (error) {
    return { ok: false, reason: `${TFJS_WASM} cannot be loaded (${firstLine(error)})`, cause: error };
  }
}

async function activateWasm(requested: BackendChoice, threads: number | undefined): Promise<BackendInfo> {
  wasmLoad ??= loadWasm();
  const loaded = await wasmLoad;
  if (!loaded.ok) throw new BackendUnavailableError('wasm', loaded.reason, { cause: loaded.cause });
  if (wasmInitFailure !== undefined) throw new BackendUnavailableError('wasm', wasmInitFailure);
  const wasm = loaded.value;

  const firstInit = tf.engine().registry['wasm'] === undefined;
  if (firstInit && threads !== undefined) wasm.setThreadsCount(threads);
  // The same flags tfjs-backend-wasm consults to pick its binary.
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  const binary =
    wasmBinaryDirectory() +
    (simd && multithread ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm');

  // Emscripten's Node glue adds process-wide uncaughtException/unhandledRejection listeners that rethrow
  // (turning every crash into exit code 7 and pre-empting handlers installed later); take them back out.
  const before = {
    uncaughtException: new Set(process.listeners('uncaughtException')),
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
  };
  let outcome: { ok: boolean; messages: string[] } = { ok: false, messages: [] };
  try {
    outcome = await setBackendQuietly('wasm');
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
  if (!outcome.ok) {
    wasmInitFailure = `the tfjs wasm backend failed to initialise with ${binary}${detail(outcome.messages)}; use --backend cpu`;
    throw new BackendUnavailableError('wasm', wasmInitFailure);
  }
  return {
    name: 'wasm',
    requested,
    package: TFJS_WASM,
    version: wasm.version_wasm,
    threads: wasm.getThreadsCount(),
    simd,
    binary,
  };
}

// ---------------------------------------------------------------------------------------------------
// cpu

async function activateCpu(requested: BackendChoice): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) {
    throw new BackendUnavailableError('cpu', 'the tfjs cpu backend failed to initialise');
  }
  return { name: 'cpu', requested, package: TFJS_CPU, version: tf.version['tfjs-backend-cpu'] ?? tf.version_core, threads: 1 };
}

/**
 * The cpu backend prints a multi-line "install tfjs-node" banner through console.warn on its first tensor
 * write under Node. It is advice, not a problem (selectBackend already prefers tfjs-node-gpu and wasm),
 * and it would land in test output and CLI logs, so mark the banner as shown. The alternative switch,
 * tf.enableProdMode(), would also hide tfjs's real warnings and skip its debug checks.
 */
function silenceCpuBanner(): void {
  if (tf.engine().registryFactory['cpu'] === undefined) return;
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: unknown } | null;
  if (cpu !== null && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}

// ---------------------------------------------------------------------------------------------------

/**
 * tf.setBackend, but the console.warn lines of a failing first initialisation ("Initialization of backend
 * … failed", Emscripten's abort text) are held back and returned: the failure is reported once, as a
 * BackendUnavailableError or in BackendInfo.reason. On success they are printed as usual.
 */
async function setBackendQuietly(name: string): Promise<{ ok: boolean; messages: string[] }> {
  if (tf.engine().registry[name] !== undefined) return { ok: await tf.setBackend(name), messages: [] };
  const warn = console.warn;
  const held: unknown[][] = [];
  let holding = true;
  // Emscripten binds console.warn when its module initialises, i.e. during this call: once done holding,
  // the stand-in forwards to whatever console.warn is then.
  const standIn = (...args: unknown[]) => {
    if (holding) held.push(args);
    else console.warn(...args);
  };
  console.warn = standIn;
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } finally {
    holding = false;
    if (console.warn === standIn) console.warn = warn;
    if (ok) for (const args of held) console.warn(...args);
  }
  const messages = held.map((args) => args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' '));
  return { ok, messages };
}

/** After a failed tf.setBackend the engine names a backend with no instance: switch back to a working one. */
async function restore(previous: BackendInfo | undefined): Promise<void> {
  const engine = tf.engine();
  if (previous !== undefined && engine.registry[previous.name] !== undefined) {
    if (engine.backendName !== previous.name) await tf.setBackend(previous.name);
    return;
  }
  if (engine.backendName != null && engine.registry[engine.backendName] === undefined) await tf.setBackend('cpu');
}

function describe(info: BackendInfo): string {
  const details = [`${info.package} ${info.version}`];
  if (info.name === 'wasm') details.push(info.simd ? 'SIMD' : 'no SIMD');
  if (info.gpu !== undefined) details.push(info.gpu ? 'GPU' : 'no GPU');
  if (info.threads !== undefined) details.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}`);
  let line = `tensor backend: ${info.name} (${details.join(', ')})`;
  if (info.requested !== info.name) line += `, requested ${info.requested}`;
  if (info.reason !== undefined) line += `; ${info.reason}`;
  return line;
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The first informative line tfjs or Emscripten printed while failing, as " (…)", or "". */
function detail(messages: string[]): string {
  const line = messages
    .flatMap((message) => message.split('\n'))
    .map((text) => text.trim())
    .find((text) => text !== '' && !text.startsWith('Initialization of backend'));
  return line === undefined ? '' : ` (${line.length > 200 ? `${line.slice(0, 200)}…` : line})`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]!.trim();
}
