import { resolve } from 'node:path';
import { dagFromObject } from '../../pipeline/dag/dagFromObject.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { builtinStages } from '../../stages/index.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import { EXIT } from '../exitCodes.ts';
import type { Io } from '../Io.ts';
import { oneOf, parse, positiveInt } from '../parse.ts';
import { executeDag } from './run.ts';

const USAGE = 't2v export DATASET_DIR --out DIR [--format gif|mp4] [--split train|val|test] [--limit N] [--fps N] [--scale N]';

/** One video file per clip plus manifest.jsonl, by running read-shards -> export-videos as a DAG. */
export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { out: { type: 'string' }, format: { type: 'string' }, split: { type: 'string' }, limit: { type: 'string' }, fps: { type: 'string' }, scale: { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    io.out(`${USAGE}\n  Write each clip of a dataset as a video file, plus manifest.jsonl lines {"video": FILE, "caption": TEXT}.`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`export takes one dataset folder\nusage: ${USAGE}`);
  if (!values.out) throw new UsageError(`export needs --out DIR\nusage: ${USAGE}`);
  const format = oneOf('format', values.format as string | undefined, ['gif', 'mp4'] as const) ?? 'gif';
  const split = oneOf('split', values.split as string | undefined, ['train', 'val', 'test'] as const);
  const limit = positiveInt('limit', values.limit as string | undefined);
  const fps = positiveInt('fps', values.fps as string | undefined);
  const scale = positiveInt('scale', values.scale as string | undefined);
  const dataset = resolve(positionals[0]);
  await Dataset.open(dataset); // fail fast, with the dataset's own message, before a run folder exists

  const registry = builtinStages();
  const dag = dagFromObject(
    {
      name: 'export',
      stages: {
        clips: { uses: 'read-shards', with: { dataset, split, limit } },
        videos: { uses: 'export-videos', from: 'clips', with: { out: resolve(values.out as string), format, limit, fps, scale }, concurrency: format === 'mp4' ? 2 : 1 },
      },
    },
    '<t2v export>',
    registry,
  );
  // Always export: the user asked for the files now, whatever an earlier export left.
  return executeDag(dag, registry, io, { force: ['videos'] });
}
