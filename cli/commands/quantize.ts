import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../../pipeline/errors/index.ts';
import { quantizeWeights } from '../../models/io/quantizeWeights.ts';
import { EXIT } from '../exitCodes.ts';
import type { Io } from '../Io.ts';
import { oneOf, parse } from '../parse.ts';

const USAGE = 't2v quantize --model DIR [--bits 8|16]';

/** Shrinks a model folder for shipping: every network's large weights stored as 8- (or 16-) bit codes. */
export async function quantizeCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { model: { type: 'string' }, bits: { type: 'string' } }, USAGE);
  if (values.help) {
    io.out(`${USAGE}
  Store the large weights of every network of a model folder (generator/, encoder/, …) as uint8 (default)
  or uint16 codes with a per-weight min and scale, in the tfjs format's own quantisation (tf.loadLayersModel
  reads it, in Node and in a browser): about 4x (2x) smaller. Changes the folder in place: run \`t2v eval\`
  afterwards to see the scores it keeps.`);
    return EXIT.ok;
  }
  if (positionals.length > 0 || values.model === undefined) throw new UsageError(`quantize needs --model DIR\nusage: ${USAGE}`);
  const bits = Number(oneOf('bits', values.bits as string | undefined, ['8', '16']) ?? '8') as 8 | 16;
  const dir = resolve(values.model as string);
  if (!existsSync(join(dir, 't2v-model.json'))) throw new UsageError(`${dir} is not a model folder (no t2v-model.json)`);
  const networks = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'model.json'))).map((e) => e.name).sort();
  for (const name of networks) {
    const r = await quantizeWeights(join(dir, name), { bits });
    io.out(`${name}: ${r.quantized.length} weight(s) to ${bits}-bit codes, ${(r.bytesBefore / 2 ** 20).toFixed(2)} MiB -> ${(r.bytesAfter / 2 ** 20).toFixed(2)} MiB`);
  }
  return EXIT.ok;
}
