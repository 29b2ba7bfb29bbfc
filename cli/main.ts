import { readFileSync } from 'node:fs';
import { EXIT } from './exitCodes.ts';
import type { Io } from './Io.ts';
import { reportError } from './reportError.ts';
import { RUN_HELP, runCommand } from './commands/run.ts';
import { validateCommand } from './commands/validate.ts';
import { graphCommand } from './commands/graph.ts';
import { exportCommand } from './commands/export.ts';
import { previewCommand } from './commands/preview.ts';
import { generateCommand } from './commands/generate.ts';
import { evalCommand } from './commands/eval.ts';
import { quantizeCommand } from './commands/quantize.ts';
import { builtinStages } from '../stages/index.ts';

const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  run: runCommand,
  validate: validateCommand,
  graph: graphCommand,
  export: exportCommand,
  preview: previewCommand,
  generate: generateCommand,
  eval: evalCommand,
  quantize: quantizeCommand,
  stages: async (_argv, io) => {
    for (const type of builtinStages().all()) {
      const io_ = type.kind === 'source' ? `-> ${type.output}` : type.kind === 'sink' ? `${type.input} ->` : `${type.input} -> ${type.output}`;
      io.out(`${type.name.padEnd(16)} ${type.kind.padEnd(9)} ${io_.padEnd(16)} ${type.description}`);
    }
    return EXIT.ok;
  },
};

const HELP = `t2v: text-to-video GANs as streaming DAGs

usage: t2v <command> [options]    (t2v <command> --help for its options)

  run DAG        run a DAG file (${RUN_HELP.split('\n')[0].replace('t2v run DAG ', '')})
  validate DAG   check a DAG file without running it
  graph DAG      print a DAG as a Mermaid flowchart
  export DIR     write a dataset's clips as GIF/MP4 files plus manifest.jsonl
  preview DIR    write a contact-sheet PNG of a dataset
  generate       videos for a caption file with a trained model (--model DIR --captions FILE --out DIR)
  eval           score a trained model on bouncing digits: seen/unseen accuracy, diversity (--model DIR)
  quantize       store a model folder's large weights as 8-bit codes, about 4x smaller (--model DIR)
  stages         list the stage types DAG files can use

exit codes: 0 ok, 1 failed, 2 bad command line or DAG, 130 interrupted`;

/** The t2v command: returns the exit code. */
export async function main(argv: string[], io?: Partial<Io>): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    // First Ctrl-C: stop cleanly (children ended, partial output removed). Second: leave now.
    if (++interrupts > 1) process.exit(EXIT.aborted);
    controller.abort();
  };
  const ownSignals = io?.signal === undefined;
  if (ownSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const full: Io = {
    out: io?.out ?? ((line) => process.stdout.write(line + '\n')),
    err: io?.err ?? ((line) => process.stderr.write(line + '\n')),
    signal: io?.signal ?? controller.signal,
  };
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      full.out(HELP);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '--version' || name === '-v') {
      full.out((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
      return EXIT.ok;
    }
    const command = COMMANDS[name];
    if (!command) {
      full.err(`t2v: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
      return EXIT.usage;
    }
    return await command(rest, full);
  } catch (error) {
    return reportError(error, full.err);
  } finally {
    if (ownSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
