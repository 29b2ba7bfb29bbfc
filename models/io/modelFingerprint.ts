/**
 * A short content hash of a model folder (every file under it, by relative path and bytes), so that a
 * folder of generated videos can say which model made them even after the model folder moved or was
 * renamed, and a run with another model does not quietly count the old videos as its own.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export async function modelFingerprint(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  await walk(dir);
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(dir, f).split(sep).join('/')).sort()) {
    const bytes = await readFile(join(dir, file));
    // Path and length first, so file boundaries cannot be shifted into a collision.
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex').slice(0, 16);
}
