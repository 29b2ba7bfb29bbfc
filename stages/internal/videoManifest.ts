/**
 * `manifest.jsonl` of a folder of generated videos: one line per finished video, appended as each
 * completes: {"video": "<file relative to the folder>", "caption": "...", "seed": n, "id": "...", "line": n},
 * plus "firstFrame" (a clip id or an image file) for models that continue given frames (U-Net).
 * A video counts as done only once its line is there (its file is renamed into place first), so a run
 * stopped at any point resumes without duplicates: `readVideoManifest` also drops a torn last line.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../utils/atomicFile.ts';

export const VIDEO_MANIFEST = 'manifest.jsonl';

export interface VideoManifestLine {
  video: string;
  caption: string;
  seed: number;
  id: string;
  line?: number;
  /** U-Net videos: where the given first frames came from. */
  firstFrame?: string;
}

/** The complete lines of `dir`'s manifest (none when it does not exist). */
export async function readVideoManifest(dir: string): Promise<VideoManifestLine[]> {
  const text = await readFile(join(dir, VIDEO_MANIFEST), 'utf8').catch(() => '');
  const lines: VideoManifestLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      const value = JSON.parse(raw) as VideoManifestLine;
      if (typeof value.id === 'string' && typeof value.video === 'string') lines.push(value);
    } catch {
      // a line torn by an interruption: its video is made again
    }
  }
  return lines;
}

/** Rewrites the manifest with only complete lines (before appending to it again). */
export async function rewriteVideoManifest(dir: string, lines: readonly VideoManifestLine[]): Promise<void> {
  await writeFileAtomic(join(dir, VIDEO_MANIFEST), lines.map((l) => JSON.stringify(l) + '\n').join(''));
}

/** The id, and file stem, of copy `copy` of caption number `index`. */
export function videoId(index: number, copy: number): string {
  return `${String(index).padStart(6, '0')}-${copy}`;
}
