import { resolve } from 'node:path';
import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import { KTH_ACTIONS, readKth } from '../datasets/kth/readKth.ts';
import { commaList, optionalLimit, splitChoice, under } from './internal/schemas.ts';
import { segmentsOf } from './internal/readerItems.ts';

/** KTH sub-sequences (00sequences.txt frame ranges) with captions derived from the labels. */
export const kthSourceStage = defineSource({
  name: 'kth-source',
  description: 'Read KTH (*_uncomp.avi + 00sequences.txt) as sub-sequences with derived captions ("person 4 is walking").',
  version: 1,
  kind: 'source',
  output: 'VideoSegment',
  config: z.strictObject({
    root: z.string().min(1),
    sequencesFile: z.string().optional(),
    videosDir: z.string().optional(),
    /** e.g. `walking` (as in the U-Net seed) or `walking,jogging`; empty for all six. */
    actions: commaList.default([...KTH_ACTIONS]).transform((list) => (list.length ? list : [...KTH_ACTIONS])),
    split: splitChoice.default('all'),
    limit: optionalLimit,
  }),
  inputs: (c) => [c.root, under(c.root, c.sequencesFile), under(c.root, c.videosDir)].filter((p): p is string => p !== undefined),
  open: (c, context) => segmentsOf(readKth({ ...c, root: resolve(context.cwd, c.root) }), context),
});
