/**
 * The description every t2v model folder holds, `t2v-model.json`: { format: 't2v-model', kind, training,
 * scores?, … }, where `kind` says which bundle reads the rest (tganc: models/tganc/TganBundle.ts, unet:
 * models/unet/UnetBundle.ts, stackvgan: models/stackvgan/StackVganBundle.ts). Read here once for the bundles
 * and for whatever dispatches on the kind.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelIOError } from './ModelIOError.ts';

export const MODEL_JSON = 't2v-model.json';
export const MODEL_FORMAT = 't2v-model';
export const MODEL_KINDS = ['tganc', 'unet', 'stackvgan'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** The parts of t2v-model.json every kind has. */
export interface ModelFolderInfo {
  format: typeof MODEL_FORMAT;
  kind: ModelKind;
  training: Record<string, unknown>;
  scores?: Record<string, unknown>;
}

/** Reads `dir`/t2v-model.json; a missing file, another format or a kind t2v does not know is a ModelIOError naming the folder. */
export async function readModelInfo(dir: string): Promise<ModelFolderInfo> {
  const path = join(dir, MODEL_JSON);
  let info: Partial<ModelFolderInfo> & { kind?: unknown; format?: unknown };
  try {
    info = JSON.parse(await readFile(path, 'utf8')) as typeof info;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelIOError(dir, code === 'ENOENT' ? `not a t2v model folder (no ${MODEL_JSON})` : `cannot read ${MODEL_JSON} (${(error as Error).message})`, { cause: error });
  }
  if (info === null || typeof info !== 'object' || info.format !== MODEL_FORMAT) throw new ModelIOError(dir, `${MODEL_JSON} is not a t2v model description (format ${String(info?.format)})`);
  if (!(MODEL_KINDS as readonly unknown[]).includes(info.kind)) {
    throw new ModelIOError(dir, `model kind ${JSON.stringify(info.kind)} in ${MODEL_JSON} is not one this t2v knows (${MODEL_KINDS.join(', ')})`);
  }
  return { ...info, training: info.training ?? {} } as ModelFolderInfo;
}

/** readModelInfo, for a bundle that reads one kind only: another kind is a ModelIOError saying what it is. */
export async function readModelInfoOfKind<T extends ModelFolderInfo>(dir: string, kind: ModelKind, what: string): Promise<T> {
  const info = await readModelInfo(dir);
  if (info.kind !== kind) throw new ModelIOError(join(dir, MODEL_JSON), `not a ${what} t2v model (kind ${info.kind})`);
  return info as T;
}
