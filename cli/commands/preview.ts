import { resolve } from 'node:path';
import { dagFromObject } from '../../pipeline/dag/dagFromObject.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { builtinStages } from '../../stages/index.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import { EXIT } from '../exitCodes.ts';
import type { Io } from '../Io.ts';
import { oneOf, parse, positiveInt } from '../parse.ts';
import { executeDag } from './run.ts';

const USAGE = 't2v preview DATASET_DIR [--out FILE.png] [--split train|val|test] [--limit N] [--frames N] [--seed S]';

/** A contact-sheet PNG of a dataset: frames in rows, caption under each. */
export async function previewCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { out: { type: 'string' }, split: { type: 'string' }, limit: { type: 'string' }, frames: { type: 'string' }, seed: { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    io.out(`${USAGE}\n  Write a contact sheet of clips (default: the first 8, to DATASET_DIR-preview.png). --seed picks clips at random.`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`preview takes one dataset folder\nusage: ${USAGE}`);
  const dataset = resolve(positionals[0]);
  await Dataset.open(dataset);
  const out = resolve((values.out as string | undefined) ?? `${dataset.replace(/[\\/]+$/, '')}-preview.png`);
  const limit = positiveInt('limit', values.limit as string | undefined) ?? 8;
  const seed = positiveInt('seed', values.seed as string | undefined);
  const registry = builtinStages();
  const dag = dagFromObject(
    {
      name: 'preview',
      stages: {
        clips: { uses: 'read-shards', with: { dataset, split: oneOf('split', values.split as string | undefined, ['train', 'val', 'test'] as const), limit, shuffleSeed: seed } },
        sheet: { uses: 'preview', from: 'clips', with: { out, limit, maxFrames: positiveInt('frames', values.frames as string | undefined) } },
      },
    },
    '<t2v preview>',
    registry,
  );
  return executeDag(dag, registry, io, { force: ['sheet'] });
}
