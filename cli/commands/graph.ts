import { loadDag } from '../../pipeline/dag/loadDag.ts';
import { toMermaid } from '../../pipeline/dag/toMermaid.ts';
import { builtinStages } from '../../stages/index.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import { EXIT } from '../exitCodes.ts';
import type { Io } from '../Io.ts';
import { parse } from '../parse.ts';

const USAGE = 't2v graph DAG';

/** Print a DAG as a Mermaid flowchart (paste into a Markdown file or mermaid.live). */
export async function graphCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { set: { type: 'string', multiple: true } }, USAGE);
  if (values.help) {
    io.out(`${USAGE}\n  Print the DAG as a Mermaid flowchart.`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`graph takes one DAG file\nusage: ${USAGE}`);
  io.out(toMermaid(await loadDag(positionals[0], builtinStages(), values.set ?? [])).trimEnd());
  return EXIT.ok;
}
