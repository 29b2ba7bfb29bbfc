import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';
import { OutputError, describeError } from '../pipeline/errors/index.ts';
import { encodeGif } from '../media/gif.ts';
import { writeMp4 } from '../media/ffmpeg.ts';
import { encodePngStrip } from '../media/pngStrip.ts';
import { makeDirectory, writeFileAtomic } from '../utils/atomicFile.ts';
import { readVideoManifest, rewriteVideoManifest, VIDEO_MANIFEST, type VideoManifestLine } from './internal/videoManifest.ts';
import { appendFile } from 'node:fs/promises';

/**
 * Writes each video as it arrives, straight into `out` (each file renamed into place when complete),
 * and appends its manifest.jsonl line once the file is there. Unlike export-videos it never stages the
 * whole folder: a run over 100,000 captions keeps what it made if stopped, and the next run (with
 * generate-videos' `done` pointing here) makes only the rest. Several videos encode at once with
 * `concurrency` (MP4 encoders are ffmpeg processes).
 */
export const writeVideosStage = defineSink({
  name: 'write-videos',
  description: 'Write each video as GIF, MP4 or PNG strip into a folder as it arrives, with manifest.jsonl (resumable).',
  version: 1,
  kind: 'sink',
  input: 'Clip',
  config: z.strictObject({
    out: z.string().min(1),
    format: z.enum(['gif', 'mp4', 'png']).default('gif'),
    fps: z.number().positive().max(120).default(8),
    scale: z.number().int().min(1).max(16).default(2),
  }),
  outputs: (c) => [join(c.out, VIDEO_MANIFEST)],
  async open(c, context) {
    const out = resolve(context.cwd, c.out);
    try {
      await makeDirectory(out);
      // Only complete lines stay; a torn last line's video is made again.
      await rewriteVideoManifest(out, await readVideoManifest(out));
    } catch (error) {
      throw new OutputError(out, describeError(error), { cause: error });
    }
    let written = 0;
    let appending = Promise.resolve();
    return {
      async consume(clip) {
        const name = `${clip.id}.${c.format}`;
        const path = join(out, name);
        try {
          if (c.format === 'gif') await writeFileAtomic(path, encodeGif(clip.frames, clip.shape, { fps: c.fps, scale: c.scale }));
          else if (c.format === 'png') await writeFileAtomic(path, encodePngStrip(clip.frames, clip.shape, { scale: c.scale }));
          else await writeMp4(path, clip.frames, clip.shape, { fps: c.fps, scale: c.scale, signal: context.signal });
          const line: VideoManifestLine = { video: name, caption: clip.caption, seed: Number(clip.attributes['seed'] ?? 0), id: clip.id, ...(typeof clip.attributes['line'] === 'number' ? { line: clip.attributes['line'] } : {}), ...(typeof clip.attributes['firstFrame'] === 'string' ? { firstFrame: clip.attributes['firstFrame'] } : {}) };
          // Lines are appended one at a time, in the order videos complete.
          appending = appending.then(() => appendFile(join(out, VIDEO_MANIFEST), JSON.stringify(line) + '\n'));
          await appending;
          written++;
        } catch (error) {
          if (typeof (error as NodeJS.ErrnoException).syscall === 'string') throw new OutputError(out, describeError(error), { cause: error });
          throw error;
        }
      },
      async finish() {
        await appending;
        const total = (await readVideoManifest(out)).length;
        context.log(`wrote ${written} ${c.format.toUpperCase()} video(s) to ${out} (${total} in its manifest)`);
        return { out, written, total, format: c.format };
      },
    };
  },
});
