import { loadDag } from '../../pipeline/dag/loadDag.ts';
import { builtinStages } from '../../stages/index.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import { EXIT } from '../exitCodes.ts';
import type { Io } from '../Io.ts';
import { parse } from '../parse.ts';

const USAGE = 't2v validate DAG [--set name=value ...]';

/** Check a DAG without running it: exit 0 and a summary, or every problem with file:line:column. */
export async function validateCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { set: { type: 'string', multiple: true } }, USAGE);
  if (values.help) {
    io.out(`${USAGE}\n  Check a DAG file (YAML, stage types, edges, configs, params) without running anything.`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`validate takes one DAG file\nusage: ${USAGE}`);
  const dag = await loadDag(positionals[0], builtinStages(), values.set ?? []);
  io.out(`${positionals[0]}: valid DAG "${dag.name}" with ${dag.stages.length} stages (${dag.stages.map((s) => `${s.id}: ${s.uses}`).join(', ')})`);
  return EXIT.ok;
}
