import { resolve } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';
import type { Clip } from '../datasets/clip.ts';
import { renderContactSheet } from '../media/contactSheet.ts';
import { encodePng } from '../media/png.ts';
import { writeFileAtomic } from '../utils/atomicFile.ts';

/** A contact-sheet PNG of the first clips: frames in rows, id and caption under each. */
export const previewStage = defineSink({
  name: 'preview',
  description: 'Write a contact-sheet PNG of the first `limit` clips (frames in rows, captions underneath).',
  version: 1,
  kind: 'sink',
  input: 'Clip',
  config: z.strictObject({
    out: z.string().regex(/\.png$/i, 'must be a .png path'),
    limit: z.number().int().min(1).max(256).default(8),
    /** Frames per row, sampled evenly from each clip. */
    maxFrames: z.number().int().min(1).max(64).default(8),
    scale: z.number().int().min(1).max(8).optional(),
  }),
  outputs: (config) => [config.out],
  open(config, context) {
    const out = resolve(context.cwd, config.out);
    const clips: Clip[] = [];
    return {
      consume(clip) {
        if (clips.length < config.limit) clips.push(clip);
        // Enough: stop reading (an upstream feeding only this stage stops too).
        if (clips.length >= config.limit) context.complete();
      },
      async finish() {
        if (!clips.length) throw new Error('no clips to preview');
        const sheet = renderContactSheet(clips, { maxFrames: config.maxFrames, scale: config.scale });
        await writeFileAtomic(out, encodePng(sheet));
        context.log(`preview of ${clips.length} clips: ${out}`);
        return { out, clips: clips.length, width: sheet.width, height: sheet.height };
      },
    };
  },
});
