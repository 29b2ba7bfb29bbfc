import { createReadStream } from 'node:fs';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';

/** One line of a text file: its text (without `\n`, `\r\n` or a leading BOM) and 1-based number. */
export interface TextLine {
  number: number;
  line: string;
  /**
   * Set when the line's bytes are not valid UTF-8; `line` then holds a lossy decoding (U+FFFD for bad
   * bytes) that callers should only use for messages.
   */
  error?: 'not valid UTF-8';
}

/** Longest line accepted before deciding the file is not text (a DatasetError naming it). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

const NOT_UTF8 = 'not valid UTF-8';

/**
 * Streams a text file line by line, never holding more than a chunk and one line in memory. Each line
 * is decoded on its own with a fatal UTF-8 decoder, so one bad line is reported (`error`) without
 * losing the others. A final line without `\n` is still yielded; a trailing `\n` does not add an empty
 * line. Read errors become a DatasetError naming the file (`no such file`, `not a file`, …).
 */
export async function* readLines(path: string): AsyncGenerator<TextLine> {
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const lossy = new TextDecoder('utf-8', { ignoreBOM: true });
  let number = 0;
  const decode = (bytes: Uint8Array): TextLine => {
    number++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    let start = 0;
    if (number === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    const body = bytes.subarray(start, end);
    try {
      return { number, line: strict.decode(body) };
    } catch {
      return { number, line: lossy.decode(body), error: NOT_UTF8 };
    }
  };

  const stream = createReadStream(path);
  let rest: Buffer | undefined;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      let nl: number;
      while ((nl = buf.indexOf(0x0a, start)) !== -1) {
        yield decode(buf.subarray(start, nl));
        start = nl + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : undefined;
      if (rest && rest.length > MAX_LINE_BYTES) {
        throw new DatasetError(path, `line longer than ${MAX_LINE_BYTES} bytes (not a text file?)`, { line: number + 1 });
      }
    }
  } catch (error) {
    throw readError(path, error);
  } finally {
    stream.destroy();
  }
  if (rest && rest.length > 0) yield decode(rest);
}

function readError(path: string, error: unknown): Error {
  if (error instanceof DatasetError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DatasetError(path, 'no such file', { cause: error });
  if (code === 'EISDIR') return new DatasetError(path, 'not a file', { cause: error });
  return new DatasetError(path, `cannot read: ${code ?? String(error)}`, { cause: error });
}
