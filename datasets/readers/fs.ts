import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';

/** `path` resolved against `root` (an absolute `path` stays as it is); `undefined` gives `fallback`. */
export function resolveIn(root: string, path: string | undefined, fallback: string): string {
  return resolve(root, path ?? fallback);
}

/** Throws a DatasetError naming `path` unless it is an existing folder (`no such folder`, `not a folder`). */
export async function requireDir(path: string): Promise<void> {
  const s = await statOrUndefined(path);
  if (s === undefined) throw new DatasetError(path, 'no such folder');
  if (!s.isDirectory()) throw new DatasetError(path, 'not a folder');
}

/** Throws a DatasetError naming `path` unless it is an existing file (`no such file`, `not a file`). */
export async function requireFile(path: string): Promise<void> {
  const s = await statOrUndefined(path);
  if (s === undefined) throw new DatasetError(path, 'no such file');
  if (!s.isFile()) throw new DatasetError(path, 'not a file');
}

/** True when `path` is an existing regular file (symlinks followed). */
export async function fileExists(path: string): Promise<boolean> {
  return (await statOrUndefined(path))?.isFile() ?? false;
}

/** True when `path` is an existing folder (symlinks followed). */
export async function dirExists(path: string): Promise<boolean> {
  return (await statOrUndefined(path))?.isDirectory() ?? false;
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new DatasetError(path, `cannot read: ${code ?? String(error)}`, { cause: error });
  }
}
