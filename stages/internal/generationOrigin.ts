/**
 * `generation.json` of a folder of generated videos: what made them (the model's content fingerprint and
 * the settings that change a video: seed, truncation, first frames). A later run into the same folder skips the videos its manifest
 * lists, which is right only if it would make the very same videos: with another model, seed or first
 * frames it must stop and say so instead of mixing two generations in one folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';

export const GENERATION_ORIGIN = 'generation.json';

export interface GenerationOrigin {
  /** The model folder as the first run named it (for the message; the fingerprint is what is compared). */
  model: string;
  fingerprint: string;
  seed: number;
  /** Absent in files written before the setting existed: 1. */
  truncation?: number;
  firstFrame: string;
  data: string;
}

export async function readGenerationOrigin(dir: string): Promise<GenerationOrigin | undefined> {
  const text = await readFile(join(dir, GENERATION_ORIGIN), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as GenerationOrigin);
}

export async function writeGenerationOrigin(dir: string, origin: GenerationOrigin): Promise<void> {
  await makeDirectory(dir);
  await writeFileAtomic(join(dir, GENERATION_ORIGIN), JSON.stringify(origin, null, 2) + '\n');
}

/** Why `now` would not make the videos `before` made, or undefined when it would. */
export function originMismatch(before: GenerationOrigin, now: GenerationOrigin): string | undefined {
  if (before.fingerprint !== now.fingerprint) return `another model (${before.model}, fingerprint ${before.fingerprint}; this run: ${now.model}, ${now.fingerprint})`;
  if (before.seed !== now.seed) return `another seed (${before.seed}; this run: ${now.seed})`;
  if ((before.truncation ?? 1) !== (now.truncation ?? 1)) return `another truncation (${before.truncation ?? 1}; this run: ${now.truncation ?? 1})`;
  if (before.firstFrame !== now.firstFrame) return `other first frames (${JSON.stringify(before.firstFrame)}; this run: ${JSON.stringify(now.firstFrame)})`;
  if (before.data !== now.data) return `first frames from another dataset (${JSON.stringify(before.data)}; this run: ${JSON.stringify(now.data)})`;
  return undefined;
}
