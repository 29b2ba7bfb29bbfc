import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';

/**
 * Bench-only sink doing exactly what the reference does by hand: write each clip's frame bytes to one
 * file through a plain write stream, waiting for 'drain' when it asks to. A DAG `source -> write-frames`
 * therefore does the reference's work through the engine: the difference is what the engine costs.
 */
export const writeFramesStage = defineSink({
  name: 'write-frames',
  description: 'Append every clip’s frame bytes to one file (benchmarks only).',
  version: 1,
  kind: 'sink',
  input: 'Clip',
  maxConcurrency: 1,
  config: z.strictObject({ out: z.string().min(1) }),
  open(config, context) {
    const out = createWriteStream(resolve(context.cwd, config.out));
    let clips = 0;
    return {
      async consume(clip) {
        clips++;
        if (!out.write(clip.frames)) await once(out, 'drain');
      },
      async finish() {
        out.end();
        await once(out, 'close');
        return { clips };
      },
      abort: () => void out.destroy(),
    };
  },
});
