import { parse } from 'csv-parse';
import type { CsvError } from 'csv-parse';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';
import { readLines } from './lines.ts';

/** One CSV record and where it is in the file. */
export interface CsvRecord {
  /** 1-based line the record starts on (blank lines before it skipped). */
  line: number;
  /** Line it ends on (differs from `line` when a quoted field spans lines). */
  endLine: number;
  /** The fields; empty when `error` is set. */
  fields: string[];
  /** Why the record is unusable: `not valid UTF-8`, or csv-parse's complaint (e.g. an unclosed quote). */
  error?: string;
}

interface FedLine {
  number: number;
  /** Bytes fed to the parser up to and including this line's `\n`. */
  end: number;
  blank: boolean;
  invalid: boolean;
}

/**
 * Streams the records of a CSV file with csv-parse (quoted commas, `""` escapes, quoted fields across
 * lines), keeping exact line numbers and UTF-8 validity per record: the file is read line by line
 * (`readLines` validates each line's UTF-8), each line is fed to one csv-parse parser, and the parser's
 * byte count when a record ends tells which lines it spans. Records are not checked for a column count
 * (`relax_column_count`); `\r\n` line ends are accepted; empty lines are skipped. A record csv-parse
 * cannot parse comes back with `error` instead of ending the stream.
 */
export async function* readCsvRecords(path: string): AsyncGenerator<CsvRecord> {
  const ready: CsvRecord[] = [];
  const pending: FedLine[] = [];
  let fedBytes = 0;
  let failure: unknown;

  /** Removes the lines up to the one holding byte `bytes` from `pending` and says where the record lies. */
  const claim = (bytes: number | undefined): { line: number; endLine: number; invalid: boolean } => {
    let index = bytes === undefined ? -1 : pending.findIndex((l) => l.end >= bytes);
    if (index < 0) index = pending.length - 1;
    const lines = pending.splice(0, index + 1);
    const from = Math.max(0, lines.findIndex((l) => !l.blank));
    const used = lines.slice(from);
    return {
      line: used[0]?.number ?? 0,
      endLine: used[used.length - 1]?.number ?? 0,
      invalid: used.some((l) => l.invalid),
    };
  };

  const parser = parse({
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record: string[], context) => {
      const at = claim(context.bytes);
      ready.push(at.invalid ? { line: at.line, endLine: at.endLine, fields: [], error: 'not valid UTF-8' } : { line: at.line, endLine: at.endLine, fields: record });
      return undefined; // nothing goes to the readable side, so writes never wait on a reader
    },
    on_skip: (error: CsvError | undefined) => {
      // An unclosed quote swallows the rest of the file: the record spans every line still pending.
      const bytes = typeof error?.bytes === 'number' && error.code !== 'CSV_QUOTE_NOT_CLOSED' ? error.bytes : undefined;
      const at = claim(bytes);
      const reason = at.invalid
        ? 'not valid UTF-8'
        : error?.code === 'CSV_QUOTE_NOT_CLOSED'
          ? `quote not closed: the quoted field runs to the end of the file (line ${at.endLine})`
          : `CSV: ${error?.message ?? 'unreadable record'}`;
      ready.push({ line: at.line, endLine: at.endLine, fields: [], error: reason });
      return undefined;
    },
  });
  parser.on('error', (error) => {
    failure ??= error;
  });
  const fail = (): never => {
    const error = failure as Error;
    throw new DatasetError(path, `CSV: ${error.message}`, { line: pending[0]?.number, cause: error });
  };

  try {
    for await (const { number, line, error } of readLines(path)) {
      const text = `${line}\n`;
      fedBytes += Buffer.byteLength(text);
      pending.push({ number, end: fedBytes, blank: line.trim() === '', invalid: error !== undefined });
      if (!parser.write(text)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            parser.off('drain', done);
            parser.off('error', done);
            resolve();
          };
          parser.on('drain', done);
          parser.on('error', done);
        });
      }
      if (failure) fail();
      while (ready.length > 0) yield ready.shift()!;
    }
    await new Promise<void>((resolve) => {
      parser.on('end', resolve);
      parser.on('error', () => resolve());
      parser.end();
      parser.resume();
    });
    if (failure) fail();
    while (ready.length > 0) yield ready.shift()!;
  } finally {
    parser.destroy();
  }
}
