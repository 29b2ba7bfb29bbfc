import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';
import { encodeGif } from '../media/gif.ts';
import { writeMp4 } from '../media/ffmpeg.ts';
import { writeFileAtomic } from '../utils/atomicFile.ts';
import { StagingDirectory } from '../utils/stagingDirectory.ts';
import { OutputError, describeError } from '../pipeline/errors/index.ts';

/** A clip id as a file name: path separators and other awkward characters become `_`. */
export function fileStem(id: string): string {
  return id.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_');
}

/** One video file per clip plus `manifest.jsonl` ({video, caption} per line), published atomically. */
export const exportVideosStage = defineSink({
  name: 'export-videos',
  description: 'Write each clip as a GIF or MP4 file plus manifest.jsonl of {video, caption}.',
  version: 1,
  kind: 'sink',
  input: 'Clip',
  config: z.strictObject({
    out: z.string().min(1),
    format: z.enum(['gif', 'mp4']).default('gif'),
    /** Export only the first `limit` clips; the rest pass through untouched. */
    limit: z.number().int().min(0).optional(),
    fps: z.number().positive().max(120).default(8),
    /** Integer upscaling: 64x64 clips are small on a modern screen. */
    scale: z.number().int().min(1).max(16).default(2),
  }),
  outputs: (config) => [config.out],
  async open(config, context) {
    const out = resolve(context.cwd, config.out);
    const staging = await StagingDirectory.create(out).catch((error) => {
      throw new OutputError(out, describeError(error), { cause: error });
    });
    const lines: string[] = [];
    let taken = 0;
    return {
      async consume(clip) {
        if (config.limit !== undefined && taken >= config.limit) return;
        const slot = taken++;
        if (config.limit !== undefined && taken >= config.limit) context.complete();
        const name = `${fileStem(clip.id)}.${config.format}`;
        const path = join(staging.path, name);
        try {
          if (config.format === 'gif') await writeFile(path, encodeGif(clip.frames, clip.shape, { fps: config.fps, scale: config.scale }));
          else await writeMp4(path, clip.frames, clip.shape, { fps: config.fps, scale: config.scale, signal: context.signal });
        } catch (error) {
          // A full disk or a read-only folder is not a problem of this clip: end the run, even with onError: skip.
          if (typeof (error as NodeJS.ErrnoException).syscall === 'string') throw new OutputError(out, describeError(error), { cause: error });
          throw error;
        }
        lines[slot] = JSON.stringify({ video: name, caption: clip.caption });
      },
      async finish() {
        await writeFileAtomic(join(staging.path, 'manifest.jsonl'), lines.map((l) => l + '\n').join(''));
        await staging.publish();
        context.log(`exported ${lines.length} ${config.format.toUpperCase()} file(s) to ${out}`);
        return { out, videos: lines.length, format: config.format };
      },
      abort: () => staging.discard(),
    };
  },
});
