import { mkdir, rename, rm, open, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

let counter = 0;

/**
 * A fresh temporary name for a file that will be renamed into place: hidden, in the same folder (so
 * the rename is atomic), unique per call so concurrent writers to one path never share it.
 */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter++}`);
}

/**
 * `mkdir -p` that fails instead of hanging. Node's own `mkdir(path, {recursive: true})` spins forever
 * (100% CPU, the promise never settles) when a parent exists but answers ENOENT for children, as
 * /proc and /sys do: it keeps "creating" the parent and retrying. Here each level is retried once.
 */
export async function makeDirectory(path: string): Promise<void> {
  const attempt = () =>
    mkdir(path).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST' && (await stat(path).catch(() => undefined))?.isDirectory()) return;
      throw error;
    });
  try {
    await attempt();
  } catch (error) {
    const parent = dirname(path);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw error;
    await makeDirectory(parent);
    await attempt();
  }
}

/**
 * Write a whole file so that readers only ever see the old content or the complete new content:
 * write to a temporary name in the same folder, fsync, rename. On failure the temporary file is removed.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeAtomically(path, async (tmp) => {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  });
}

/**
 * Let `write` produce a file at a temporary name (itself, or through a child process such as ffmpeg),
 * then fsync it and rename it to `path`; on any failure the temporary file is removed.
 */
export async function writeAtomically(path: string, write: (temporaryPath: string) => Promise<void>): Promise<void> {
  await makeDirectory(dirname(path));
  const tmp = temporaryPathFor(path);
  try {
    await write(tmp);
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

