import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import { DatasetError, describeError } from '../pipeline/errors/index.ts';
import { downloadAll, type DownloadSpec } from '../net/download.ts';

const fileSpec = z.strictObject({
  url: z.string().url(),
  /** Destination, relative to `dir`. */
  path: z.string().min(1),
  size: z.number().int().min(0).optional(),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
  md5: z.string().regex(/^[0-9a-fA-F]{32}$/).optional(),
});

/**
 * Downloads a list of files, several at once, resuming partial files with Range requests, retrying
 * with backoff and verifying sizes and checksums; a file appears under its name only when verified.
 * Emits one record per file; a file that cannot be fetched is a reject (or fails the run, per onError).
 */
export const downloadStage = defineSource({
  name: 'download',
  description: 'Download files (resume, retry with backoff, verify size/checksum), emitting {url, path, bytes}.',
  version: 1,
  kind: 'source',
  output: 'Record',
  config: z
    .strictObject({
      dir: z.string().min(1),
      files: z.array(fileSpec).optional(),
      /** A JSONL file of {url, path, size?, sha256?, md5?} lines, for long lists. */
      list: z.string().optional(),
      concurrency: z.number().int().min(1).max(32).default(4),
      retries: z.number().int().min(0).max(20).default(5),
    })
    .refine((c) => c.files !== undefined || c.list !== undefined, 'give `files` or `list`'),
  outputs: (c) => [c.dir],
  inputs: (c) => (c.list ? [c.list] : []),
  total: (c) => c.files?.length,
  async *open(c, context) {
    const dir = resolve(context.cwd, c.dir);
    const specs: DownloadSpec[] = [...(c.files ?? [])];
    if (c.list) {
      const path = resolve(context.cwd, c.list);
      const lines = (await readFile(path, 'utf8').catch((error) => {
        throw new DatasetError(path, `cannot read download list (${describeError(error)})`);
      })).split('\n');
      lines.forEach((line, i) => {
        if (!line.trim()) return;
        let parsed;
        try {
          parsed = fileSpec.safeParse(JSON.parse(line));
        } catch {
          throw new DatasetError(path, 'not valid JSON', { line: i + 1 });
        }
        if (!parsed.success) throw new DatasetError(path, parsed.error.issues.map((e) => `${e.path.join('.')}: ${e.message}`).join('; '), { line: i + 1 });
        specs.push(parsed.data);
      });
    }
    const absolute = specs.map((spec) => ({ ...spec, path: resolve(dir, spec.path) }));
    for await (const outcome of downloadAll(absolute, { concurrency: c.concurrency, retries: c.retries, signal: context.signal })) {
      if (outcome.ok) {
        const { result } = outcome;
        yield { id: outcome.spec.url, url: outcome.spec.url, path: result.path, bytes: result.bytes, skipped: result.skipped, resumed: result.resumed };
      } else await context.reject(outcome.spec.url, describeError(outcome.error));
    }
  },
});
