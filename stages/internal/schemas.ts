import { isAbsolute, join } from 'node:path';
import { z } from 'zod';

/**
 * A list given either as a YAML list or as one comma-separated string, so it can come from a DAG
 * param (params are scalars): `languages: English,French` or `languages: [English, French]`.
 */
export const commaList = z
  .union([z.array(z.string()), z.string()])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean));

/**
 * The same for a list whose entries `list` checks (e.g. z.array(z.enum([...])).min(1)); a lone number
 * (a DAG param such as `--set frameWords=3`) is a list of one.
 */
export function commaListOf<T extends z.ZodType>(list: T) {
  return z.preprocess((v) => (typeof v === 'number' ? [String(v)] : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), list);
}

/** A split to read, or `all`. */
export const splitChoice = z.enum(['train', 'val', 'test', 'all']);

/** A limit where 0 means "no limit", so a DAG param can default to 0. */
export const optionalLimit = z
  .number()
  .int()
  .min(0)
  .optional()
  .transform((n) => (n ? n : undefined));

/** `path` inside `root` unless it is absolute (how readers resolve their optional paths). */
export function under(root: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return isAbsolute(path) ? path : join(root, path);
}
