import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * A cheap fingerprint of the files a stage reads: size and modification time of each file, and for a
 * folder the same for each entry one level down (so a clip added to `YouTubeClips/` or an edited
 * captions CSV in a dataset root changes it). A missing path stamps as missing: the stage then runs and
 * reports the problem itself.
 */
export async function stampInputs(paths: readonly string[], cwd: string): Promise<string> {
  const hash = createHash('sha256');
  for (const input of paths) {
    const path = resolve(cwd, input);
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      hash.update(`${path}\0missing\n`);
      continue;
    }
    hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
    if (!info.isDirectory()) continue;
    const entries = (await readdir(path).catch(() => [] as string[])).sort();
    for (const name of entries) {
      const entry = await stat(join(path, name)).catch(() => undefined);
      hash.update(`${name}\0${entry?.size ?? -1}\0${entry?.mtimeMs ?? -1}\n`);
    }
  }
  return hash.digest('hex');
}
