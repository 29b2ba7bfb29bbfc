import { z } from 'zod';
import { defineTransform } from '../pipeline/core/StageType.ts';
import { CaptionFilter } from '../text/captionFilter.ts';

/**
 * Drops captions that are too short, too long or repeated for the same clip. A segment left with no
 * caption cannot be used: it is rejected (recorded or fatal, per the stage's onError).
 */
export const filterCaptionsStage = defineTransform({
  name: 'filter-captions',
  description: 'Keep captions of minWords..maxWords words, without duplicates per clip; reject clips left with none.',
  version: 1,
  kind: 'transform',
  input: 'VideoSegment',
  output: 'VideoSegment',
  config: z.strictObject({
    minWords: z.number().int().min(1).default(2),
    maxWords: z.number().int().min(1).default(40),
    dedupe: z.boolean().default(true),
  }),
  open(c, context) {
    const filter = new CaptionFilter(c);
    return {
      process(segment) {
        const dropped: string[] = [];
        const captions = segment.captions.filter((caption) => {
          const check = filter.check(segment.id, caption);
          if (!check.ok) dropped.push(check.reason);
          return check.ok;
        });
        if (!captions.length) throw new Error(`no caption left after filtering (${[...new Set(dropped)].join(', ')})`);
        return [{ ...segment, captions, annotations: undefined }];
      },
      flush() {
        context.log(`caption filter: ${JSON.stringify(filter.stats())}`);
        return undefined;
      },
    };
  },
});
