/**
 * Caption files for generation, read as a stream with line numbers: `.txt` (one caption per line),
 * `.csv` (header row; the caption column named by `column`, default `caption`), `.jsonl` (one object
 * per line; the caption under `field`, default `caption`). Empty lines and empty captions are skipped;
 * a line that cannot be used comes back with `error` so the caller can skip or fail, as the DAG says.
 */
import { extname } from 'node:path';
import { UsageError } from '../pipeline/errors/index.ts';
import { readCsvRecords } from '../datasets/readers/csv.ts';
import { readLines } from '../datasets/readers/lines.ts';

export const CAPTION_FILE_FORMATS = ['txt', 'csv', 'jsonl'] as const;
export type CaptionFileFormat = (typeof CAPTION_FILE_FORMATS)[number];

export interface CaptionLine {
  /** 1-based line in the file. */
  line: number;
  text: string;
  error?: undefined;
}

export interface BadCaptionLine {
  line: number;
  error: string;
}

export interface CaptionFileArgs {
  /** Default: from the extension (.txt, .csv, .jsonl; anything else is read as .txt). */
  format?: CaptionFileFormat;
  /** CSV column holding the caption. Default `caption`. */
  column?: string;
  /** JSONL field holding the caption. Default `caption`. */
  field?: string;
}

export function captionFileFormat(path: string): CaptionFileFormat {
  const ext = extname(path).toLowerCase();
  return ext === '.csv' ? 'csv' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : 'txt';
}

export async function* readCaptionFile(path: string, args: CaptionFileArgs = {}): AsyncGenerator<CaptionLine | BadCaptionLine> {
  const format = args.format ?? captionFileFormat(path);
  if (format === 'csv') {
    const column = args.column ?? 'caption';
    let index: number | undefined;
    for await (const record of readCsvRecords(path)) {
      if (index === undefined) {
        if (record.error) throw new UsageError(`${path}:${record.line}: the CSV header cannot be read (${record.error})`);
        index = record.fields.findIndex((f) => f.trim() === column);
        if (index < 0) throw new UsageError(`${path}: no column "${column}" in the CSV header (columns: ${record.fields.join(', ')}); name it with --column`);
        continue;
      }
      if (record.error) yield { line: record.line, error: record.error };
      else if (record.fields.length <= index) yield { line: record.line, error: `the row has ${record.fields.length} field(s), no "${column}"` };
      else if (record.fields[index]!.trim()) yield { line: record.line, text: record.fields[index]!.trim() };
    }
    return;
  }
  const field = args.field ?? 'caption';
  for await (const { number, line, error } of readLines(path)) {
    if (error) {
      yield { line: number, error };
      continue;
    }
    const trimmed = line.trim();
    if (!trimmed) continue;
    if (format === 'txt') {
      yield { line: number, text: trimmed };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (e) {
      yield { line: number, error: `not valid JSON (${(e as Error).message})` };
      continue;
    }
    const caption = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
    if (typeof caption !== 'string') yield { line: number, error: `no string "${field}" in the object` };
    else if (caption.trim()) yield { line: number, text: caption.trim() };
  }
}
