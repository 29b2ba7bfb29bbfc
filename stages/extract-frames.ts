import { z } from 'zod';
import { defineTransform } from '../pipeline/core/StageType.ts';
import { extractFrames } from '../media/extractFrames.ts';
import { tokenize, type Clip } from '../datasets/clip.ts';

/**
 * Decodes each segment with ffmpeg into T frames of size x size (short side resized, centre-cropped),
 * sampled at `fps` from the segment's start or spread uniformly over it. Run several at once with the
 * stage's `concurrency`; corrupt, missing and too-short clips fail per item (use `onError: skip`).
 */
export const extractFramesStage = defineTransform({
  name: 'extract-frames',
  description: 'Extract T frames per segment with ffmpeg (cut, sample at fps or uniformly, resize, centre-crop).',
  version: 1,
  kind: 'transform',
  input: 'VideoSegment',
  output: 'Clip',
  config: z.strictObject({
    frames: z.number().int().min(1).max(1024).default(16),
    size: z.number().int().min(8).max(1024).default(64),
    /** Frames per second to sample at; 0 spreads the frames uniformly over the segment. */
    fps: z.number().min(0).default(0),
    channels: z.union([z.literal(1), z.literal(3)]).default(3),
  }),
  open: (c, context) => ({
    async process(segment): Promise<Clip> {
      const frames = await extractFrames({
        media: segment.media,
        range: segment.range,
        frames: c.frames,
        size: c.size,
        fps: c.fps || undefined,
        channels: c.channels,
        signal: context.signal,
      });
      const first = segment.annotations?.[0];
      return {
        id: segment.id,
        frames,
        shape: [c.frames, c.size, c.size, c.channels],
        caption: segment.captions[0],
        tokens: first?.tokens?.filter((t) => /[\p{L}\p{N}]/u.test(t)).map((t) => t.toLowerCase()) ?? tokenize(segment.captions[0]),
        split: segment.split,
        source: segment.source,
        attributes: segment.attributes,
        captions: segment.annotations ?? segment.captions.map((text) => ({ text })),
        captionSource: segment.captionSource,
      };
    },
  }),
});
