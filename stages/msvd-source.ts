import { resolve } from 'node:path';
import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import { readMsvd } from '../datasets/msvd/readMsvd.ts';
import { commaList, optionalLimit, splitChoice, under } from './internal/schemas.ts';
import { segmentsOf } from './internal/readerItems.ts';

/** MSVD clips with their captions, from a local copy (captions CSV + YouTubeClips/). */
export const msvdSourceStage = defineSource({
  name: 'msvd-source',
  description: 'Read MSVD (captions CSV + YouTubeClips/*.avi) as video segments with their captions.',
  version: 1,
  kind: 'source',
  output: 'VideoSegment',
  config: z.strictObject({
    root: z.string().min(1),
    captionsFile: z.string().optional(),
    clipsDir: z.string().optional(),
    languages: commaList.default(['English']),
    split: splitChoice.default('all'),
    limit: optionalLimit,
  }),
  inputs: (c) => [c.root, under(c.root, c.captionsFile), under(c.root, c.clipsDir)].filter((p): p is string => p !== undefined),
  open: (c, context) => segmentsOf(readMsvd({ ...c, root: resolve(context.cwd, c.root) }), context),
});
