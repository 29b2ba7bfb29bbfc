import { z } from 'zod';
import { defineTransform } from '../pipeline/core/StageType.ts';
import { annotateCaption } from '../text/annotateCaption.ts';

/**
 * Tokens, POS, lemmas, action verbs and entities for every caption, stored with the dataset so
 * training needs no NLP at run time.
 */
export const annotateCaptionsStage = defineTransform({
  name: 'annotate-captions',
  description: 'Annotate captions with tokens, POS, lemmas, action verbs and entities (wink-nlp, offline).',
  version: 1,
  kind: 'transform',
  input: 'VideoSegment',
  output: 'VideoSegment',
  config: z.strictObject({}),
  open: () => ({
    process: (segment) => [{ ...segment, annotations: segment.captions.map((text) => ({ text, ...annotateCaption(text) })) }],
  }),
});
