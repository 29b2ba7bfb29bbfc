import { z } from 'zod';
import { defineTransform } from '../pipeline/core/StageType.ts';
import { normalizeCaption } from '../text/normalizeCaption.ts';

/** Case, whitespace, quotes and punctuation made uniform, so filters and vocabularies see one form. */
export const normalizeCaptionsStage = defineTransform({
  name: 'normalize-captions',
  description: 'Normalise captions: Unicode, case (SOMEONE kept), whitespace, quotes, punctuation.',
  version: 1,
  kind: 'transform',
  input: 'VideoSegment',
  output: 'VideoSegment',
  config: z.strictObject({ lowercase: z.boolean().default(true) }),
  open: (c) => ({
    process: (segment) => [{ ...segment, captions: segment.captions.map((text) => normalizeCaption(text, c)) }],
  }),
});
