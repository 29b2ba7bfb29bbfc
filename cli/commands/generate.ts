import { fileURLToPath } from 'node:url';
import { loadDag } from '../../pipeline/dag/loadDag.ts';
import { builtinStages } from '../../stages/index.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import { BACKEND_CHOICES } from '../../models/backend/backendChoices.ts';
import { EXIT } from '../exitCodes.ts';
import type { Io } from '../Io.ts';
import { oneOf, parse, positiveInt, truncationFlag } from '../parse.ts';
import { executeDag } from './run.ts';

const GENERATE_DAG = fileURLToPath(new URL('../../dags/generate.yaml', import.meta.url));

const USAGE =
  't2v generate --model DIR --captions FILE --out DIR [--format gif|mp4|png] [--per-caption N] [--seed S] [--truncation PSI] [--batch B] [--backend auto|tensorflow|wasm|cpu] [--column NAME] [--field NAME] [--on-unknown unk|skip|fail] [--encoders N] [--first-frame IMAGE.png|dataset:DIR#CLIP_ID|CLIP_ID|stage1:DIR] [--data DIR] [--replace] [--progress MODE]';

export const GENERATE_HELP = `${USAGE}
  Generate videos for every caption of a caption file (.txt one per line, .csv with --column, .jsonl with
  --field) with a trained model folder; one file per video in --out plus manifest.jsonl, written as videos
  complete. Running it again makes only the videos not yet made; a folder made with another model, seed or
  first frames is refused, or with --replace emptied of those videos first. The same as dags/generate.yaml.
  --truncation PSI (0 < PSI <= 1, default 1): draw the noise nearer 0 (times PSI), for more typical videos
  at the cost of diversity (the truncation trick); tganc and stackvgan models.
  Model kinds: tganc (TGANs-C), stackvgan (StackGAN-I -> VGAN) and unet (next-frame U-Net).
  A U-Net model rolls each video out from first frames: --first-frame IMAGE.png (one picture, repeated
  over the window), dataset:DIR#CLIP_ID or CLIP_ID (a clip of --data DIR), stage1:DIR (the Stage-I image a
  stackvgan model folder DIR makes for the caption and seed); by default a clip of --data (else the
  dataset the model was trained on) with the video's caption, picked by its seed.`;

export async function generateCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      model: { type: 'string' },
      captions: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      'per-caption': { type: 'string' },
      seed: { type: 'string' },
      truncation: { type: 'string' },
      batch: { type: 'string' },
      backend: { type: 'string' },
      column: { type: 'string' },
      field: { type: 'string' },
      'on-unknown': { type: 'string' },
      encoders: { type: 'string' },
      'first-frame': { type: 'string' },
      data: { type: 'string' },
      replace: { type: 'boolean' },
      progress: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    io.out(GENERATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`generate takes no positional arguments (got ${positionals.join(' ')})\nusage: ${USAGE}`);
  for (const required of ['model', 'captions', 'out'] as const) {
    if (values[required] === undefined) throw new UsageError(`generate needs --${required}\nusage: ${USAGE}`);
  }
  const set: Record<string, string | number | undefined> = {
    model: values.model as string,
    captions: values.captions as string,
    out: values.out as string,
    format: oneOf('format', values.format as string | undefined, ['gif', 'mp4', 'png'] as const),
    perCaption: positiveInt('per-caption', values['per-caption'] as string | undefined),
    seed: positiveInt('seed', values.seed as string | undefined),
    truncation: truncationFlag(values.truncation as string | undefined),
    batch: positiveInt('batch', values.batch as string | undefined),
    backend: oneOf('backend', values.backend as string | undefined, BACKEND_CHOICES),
    column: values.column as string | undefined,
    field: values.field as string | undefined,
    onUnknown: oneOf('on-unknown', values['on-unknown'] as string | undefined, ['unk', 'skip', 'fail'] as const),
    encoders: positiveInt('encoders', values.encoders as string | undefined),
    firstFrame: values['first-frame'] as string | undefined,
    data: values.data as string | undefined,
    replace: values.replace === true ? 'true' : undefined,
  };
  const overrides = Object.entries(set).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  const registry = builtinStages();
  const dag = await loadDag(GENERATE_DAG, registry, overrides);
  return executeDag(dag, registry, io, {
    progress: oneOf('progress', values.progress as string | undefined, ['auto', 'bars', 'lines', 'none'] as const),
  });
}
