import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clip } from '../../datasets/clip.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { runFfmpeg } from '../../media/ffmpeg.ts';
import type { DagSpec } from '../../pipeline/dag/DagSpec.ts';
import { validateDag } from '../../pipeline/dag/validateDag.ts';
import { runDag, type RunDagArgs, type RunResult } from '../../pipeline/run/runDag.ts';
import { builtinStages } from '../../stages/index.ts';

/** Helpers for the end-to-end tests that run the shipped prepare DAGs on tiny fixtures made here. */

export const registry = builtinStages();

/** Absolute path of a shipped DAG file. */
export function dagPath(name: string): string {
  return fileURLToPath(new URL(`../../dags/${name}`, import.meta.url));
}

/** Writes a file (text or bytes), creating its folders. */
export async function put(path: string, content: string | Uint8Array = ''): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

export async function copy(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

export interface PreparedRun {
  result: RunResult;
  spec: DagSpec;
}

/**
 * Validates a DAG (a shipped file or YAML text) with `--set` style overrides, as `t2v run` would, and
 * runs it with `dir` as working folder and `<dir>/<runs>` as runs folder, without progress output.
 */
export async function runPrepare(
  dir: string,
  dag: { file: string } | { text: string },
  overrides: string[],
  extra: Partial<RunDagArgs> & { runs?: string } = {},
): Promise<PreparedRun> {
  const file = 'file' in dag ? dagPath(dag.file) : join(dir, 'inline.yaml');
  const text = 'file' in dag ? await readFile(file, 'utf8') : dag.text;
  const spec = validateDag({ text, file, registry, overrides });
  const { runs = 'runs', ...rest } = extra;
  const result = await runDag({ dag: spec, registry, runsDir: join(dir, runs), cwd: dir, progress: 'none', write: () => undefined, ...rest });
  return { result, spec };
}

export interface RejectLine {
  stage: string;
  item: string;
  reason: string;
  time: string;
}

/** The run's rejects.jsonl (empty when nothing was rejected). */
export async function readRejects(runDir: string): Promise<RejectLine[]> {
  let text: string;
  try {
    text = await readFile(join(runDir, 'rejects.jsonl'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RejectLine);
}

export interface ManifestStage {
  type: string;
  status: string;
  in: number;
  out: number;
  rejected: number;
  result?: Record<string, unknown>;
}

export interface Manifest {
  status: string;
  error?: string;
  rejected: number;
  stages: Record<string, ManifestStage>;
}

export async function readManifest(runDir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as Manifest;
}

/** Every clip of a dataset, by id (order-free: extract-frames runs several clips at once). */
export async function clipsById(dataset: Dataset): Promise<Map<string, Clip>> {
  const clips = new Map<string, Clip>();
  for await (const clip of dataset.stream()) {
    assert.ok(!clips.has(clip.id), `clip id ${clip.id} is unique in the dataset`);
    clips.set(clip.id, clip);
  }
  return clips;
}

/** `stage item` pairs, sorted, for exact order-free assertions on rejects. */
export function rejectKeys(rejects: RejectLine[]): string[] {
  return rejects.map((r) => `${r.stage} ${r.item}`).sort();
}

export function rejectOf(rejects: RejectLine[], item: string): RejectLine {
  const found = rejects.filter((r) => r.item === item);
  assert.equal(found.length, 1, `one reject for ${item}: ${JSON.stringify(rejects)}`);
  return found[0];
}

// ---------------------------------------------------------------------------------------------------
// Media fixtures (all tiny; made with the project's own runFfmpeg).

/** A test-pattern video from lavfi: `testsrc2` at `size`, `rate` fps, `seconds` long. */
export async function lavfiVideo(
  path: string,
  options: { size?: string; rate?: number; seconds?: number; codec?: 'mpeg4' | 'libx264' } = {},
): Promise<void> {
  const { size = '64x48', rate = 25, seconds = 1, codec = 'mpeg4' } = options;
  await mkdir(dirname(path), { recursive: true });
  const encode = codec === 'mpeg4' ? ['-c:v', 'mpeg4', '-q:v', '3'] : ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];
  await runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=${rate}:d=${seconds}`, ...encode, '-f', 'avi', '-y', `file:${path}`]);
}

/** The same pattern as numbered JPEGs `0001.jpg`… in `dir`. */
export async function lavfiJpegs(dir: string, options: { size?: string; rate?: number; frames: number }): Promise<void> {
  const { size = '64x48', rate = 25, frames } = options;
  await mkdir(dir, { recursive: true });
  await runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=${rate}`, '-frames:v', String(frames), '-q:v', '3', '-f', 'image2', '-y', join(dir, '%04d.jpg')]);
}

/** Brightness of frame k (0-based) of a ramp video: flat grey, 4 levels apart, so a frame says its own number. */
export const rampLevel = (k: number): number => 12 + 4 * k;
export const RAMP_MAX_FRAMES = 60;

/**
 * A grey "ramp" video: `frames` flat frames of `width`x`height` at `fps`, frame k at brightness
 * rampLevel(k), encoded losslessly (libx264 -qp 0) into an AVI.
 */
export async function rampVideo(path: string, options: { frames: number; width?: number; height?: number; fps?: number }): Promise<void> {
  const { frames, width = 160, height = 120, fps = 25 } = options;
  assert.ok(frames <= RAMP_MAX_FRAMES, `at most ${RAMP_MAX_FRAMES} ramp frames`);
  const frameBytes = width * height;
  const raw = new Uint8Array(frames * frameBytes);
  for (let k = 0; k < frames; k++) raw.fill(rampLevel(k), k * frameBytes, (k + 1) * frameBytes);
  await mkdir(dirname(path), { recursive: true });
  await runFfmpeg(
    ['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0',
      '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', '-f', 'avi', '-y', `file:${path}`],
    { input: raw },
  );
}

/** 1-based source frame number of each frame of a grey clip cut from ramp videos (checks each frame is flat). */
export function rampFrameNumbers(clip: Clip): number[] {
  const [t, h, w, c] = clip.shape;
  const frameBytes = h * w * c;
  return Array.from({ length: t }, (_, k) => {
    let sum = 0;
    let min = 255;
    let max = 0;
    for (let i = k * frameBytes; i < (k + 1) * frameBytes; i++) {
      const v = clip.frames[i];
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / frameBytes;
    assert.ok(max - min <= 2, `${clip.id} frame ${k} is flat (values ${min}..${max})`);
    const index = Math.round((mean - rampLevel(0)) / (rampLevel(1) - rampLevel(0)));
    assert.ok(Math.abs(mean - rampLevel(index)) <= 1.5, `${clip.id} frame ${k}: mean ${mean} is a ramp level`);
    return index + 1;
  });
}

/** Deterministic bytes that are no video format (a tiny xorshift generator). */
export function junkBytes(length: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
