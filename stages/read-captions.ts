import { resolve } from 'node:path';
import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import type { StageContext } from '../pipeline/core/StageContext.ts';
import { CAPTION_FILE_FORMATS, readCaptionFile, type CaptionFileArgs } from '../text/captionFile.ts';
import type { CaptionItem } from '../text/captionItem.ts';

const config = z.strictObject({
  file: z.string().min(1),
  /** Default: from the extension (.txt, .csv, .jsonl). */
  format: z.enum(CAPTION_FILE_FORMATS).optional(),
  /** CSV column of the captions. */
  column: z.string().min(1).default('caption'),
  /** JSONL field of the captions. */
  field: z.string().min(1).default('caption'),
  limit: z.number().int().min(0).optional(),
});

/**
 * Streams the captions of a caption file (.txt, .csv, .jsonl), numbered, with their line numbers.
 * Empty lines are skipped; a line that cannot be read is rejected with its line number and reason
 * (skipped with `onError: skip`, else the run stops).
 */
export const readCaptionsStage = defineSource({
  name: 'read-captions',
  description: 'Stream captions from a .txt, .csv (--column) or .jsonl file, with line numbers.',
  version: 1,
  kind: 'source',
  output: 'Caption',
  config,
  inputs: (c) => [c.file],
  open(c, context) {
    return captions(resolve(context.cwd, c.file), c, context);
  },
});

async function* captions(path: string, c: CaptionFileArgs & { limit?: number | undefined }, context: StageContext): AsyncGenerator<CaptionItem> {
  let index = 0;
  for await (const entry of readCaptionFile(path, c)) {
    if (c.limit !== undefined && index >= c.limit) return;
    if (entry.error !== undefined) {
      await context.reject(`line ${entry.line}`, `${path}:${entry.line}: ${entry.error}`);
      continue;
    }
    yield { index: index++, line: entry.line, text: entry.text };
  }
}
