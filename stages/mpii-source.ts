import { resolve } from 'node:path';
import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import { readMpii } from '../datasets/mpii/readMpii.ts';
import { optionalLimit, under } from './internal/schemas.ts';
import { segmentsOf } from './internal/readerItems.ts';

/** MPII-MD / LSMDC clips (video files or JPEG frame folders) with their annotation sentences. */
export const mpiiSourceStage = defineSource({
  name: 'mpii-source',
  description: 'Read MPII-MD/LSMDC annotation TSVs (6- or 2-column) and their clips or frame folders.',
  version: 1,
  kind: 'source',
  output: 'VideoSegment',
  config: z.strictObject({
    root: z.string().min(1),
    /** The annotation TSV, relative to root. */
    annotations: z.string().min(1),
    /** The split this annotation file holds (LSMDC ships one file per split). */
    split: z.enum(['train', 'val', 'test']),
    videosDir: z.string().optional(),
    framesDir: z.string().optional(),
    /** Frame rate of frame folders. */
    fps: z.number().positive().default(25),
    limit: optionalLimit,
  }),
  inputs: (c) => [c.root, under(c.root, c.annotations), under(c.root, c.videosDir), under(c.root, c.framesDir)].filter((p): p is string => p !== undefined),
  open: (c, context) => segmentsOf(readMpii({ ...c, root: resolve(context.cwd, c.root) }), context),
});
