import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DatasetError } from '../pipeline/errors/DatasetError.ts';
import { writeFileAtomic } from '../utils/atomicFile.ts';
import { PAD, UNK, Vocabulary } from './Vocabulary.ts';

/**
 * Pre-trained word vectors (fastText `.vec`, GloVe `.txt`) for caption encoders. The files are
 * gigabytes with millions of rows, so they are streamed line by line and only the vocabulary's rows
 * are kept and parsed.
 */
export interface ReadWordVectorsOptions {
  /** When a vocabulary word has no row of its own, use a row that differs only in case ("The" for "the"). Default true. */
  caseInsensitive?: boolean;
  /** The dimension the caller needs; a DatasetError if the file's differs. */
  dim?: number;
  /** How many missing words `coverage.missing` lists. Default 50. */
  maxMissing?: number;
}

export interface WordVectorCoverage {
  /** Vocabulary words looked for (specials excluded). */
  words: number;
  /** Of those, how many got a vector. */
  found: number;
  /** found / words (0 for an empty vocabulary). */
  ratio: number;
  /** The first missing words in vocabulary order (most frequent first for a Vocabulary). */
  missing: string[];
}

export interface WordVectors {
  dim: number;
  /** Keyed by the vocabulary's spelling of the word. */
  vectors: Map<string, Float32Array>;
  coverage: WordVectorCoverage;
  /** The `N D` first line, when the file has one (fastText does, GloVe does not). */
  header: { rows: number; dim: number } | null;
  /** Vector rows in the file (lines other than the header and blank lines). */
  rows: number;
}

// A fastText header: two integers. (A GloVe row always has a word and at least one non-integer number.)
const HEADER = /^(\d+) (\d+)$/;
const isNumber = (field: string): boolean => field !== '' && Number.isFinite(Number(field));

/**
 * Reads the rows of `vocabulary`'s words from a `.vec`/`.txt` file (optionally `.gz`). A row is matched
 * exactly first; failing that (with `caseInsensitive`), by the first row equal ignoring case. A kept row
 * whose number count differs from the file's dimension, or with a value that is not a finite number, is
 * a DatasetError naming file:line: a truncated or mixed-up file would otherwise give silently wrong
 * embeddings. Rows not kept are not parsed (that is what keeps a 2M-row file fast); rows whose word
 * contains spaces (GloVe 840B has some) can never be vocabulary tokens and are skipped.
 */
export async function readWordVectors(path: string, vocabulary: Vocabulary | Iterable<string>, options: ReadWordVectorsOptions = {}): Promise<WordVectors> {
  const caseInsensitive = options.caseInsensitive ?? true;
  const maxMissing = options.maxMissing ?? 50;
  const wanted = vocabularyWords(vocabulary);
  const exact = new Set(wanted);
  const byLowerCase = new Map<string, string[]>();
  for (const word of wanted) {
    const key = word.toLowerCase();
    const list = byLowerCase.get(key);
    if (list) list.push(word);
    else byLowerCase.set(key, [word]);
  }

  const vectors = new Map<string, Float32Array>();
  const exactMatch = new Set<string>(); // words whose vector came from their own spelling
  let header: WordVectors['header'] = null;
  let dim: number | undefined;
  let dimFrom = '';
  let rows = 0;
  let lineNumber = 0;

  for await (const rawLine of lines(path)) {
    lineNumber++;
    let line = rawLine.replace(/[ \t\r]+$/, ''); // fastText rows end with a space
    if (lineNumber === 1) {
      line = line.replace(/^\uFEFF/, '');
      const match = HEADER.exec(line);
      if (match) {
        header = { rows: Number(match[1]), dim: Number(match[2]) };
        if (header.dim < 1) throw new DatasetError(path, `header says dimension ${header.dim}`, { line: lineNumber });
        dim = header.dim;
        dimFrom = 'the header';
        checkDim(path, dim, options.dim, lineNumber);
        continue;
      }
    }
    if (line === '') continue;
    rows++;
    const space = line.indexOf(' ');
    if (dim === undefined) {
      // No header: the first row sets the dimension.
      dim = line.split(/ +/).length - 1;
      dimFrom = `line ${lineNumber}`;
      if (dim < 1) throw new DatasetError(path, 'first row has a word but no numbers', { line: lineNumber });
      checkDim(path, dim, options.dim, lineNumber);
    }
    const word = space < 0 ? line : line.slice(0, space);

    // Which vocabulary words would this row give a vector to?
    const takers: string[] = [];
    if (exact.has(word) && !exactMatch.has(word)) takers.push(word);
    if (caseInsensitive) {
      for (const other of byLowerCase.get(word.toLowerCase()) ?? []) if (other !== word && !vectors.has(other)) takers.push(other);
    }
    if (takers.length === 0) continue;

    const fields = space < 0 ? [] : line.slice(space + 1).split(/ +/);
    if (fields.length > dim && !isNumber(fields[0])) continue; // a word with spaces in it
    if (fields.length !== dim) {
      throw new DatasetError(path, `row for "${word}" has ${fields.length} numbers, expected ${dim} (from ${dimFrom})`, { line: lineNumber });
    }
    const vector = new Float32Array(dim);
    for (let k = 0; k < dim; k++) {
      const value = Number(fields[k]);
      if (!Number.isFinite(value)) throw new DatasetError(path, `row for "${word}": "${fields[k]}" is not a finite number`, { line: lineNumber });
      vector[k] = value;
    }
    for (const taker of takers) {
      vectors.set(taker, vector);
      if (taker === word) exactMatch.add(word);
    }
  }

  if (dim === undefined) throw new DatasetError(path, 'no word vectors in the file');
  const missing: string[] = [];
  for (const word of wanted) {
    if (missing.length >= maxMissing) break;
    if (!vectors.has(word)) missing.push(word);
  }
  const found = vectors.size;
  return {
    dim,
    vectors,
    coverage: { words: wanted.length, found, ratio: wanted.length === 0 ? 0 : found / wanted.length, missing },
    header,
    rows,
  };
}

function vocabularyWords(vocabulary: Vocabulary | Iterable<string>): string[] {
  const words = vocabulary instanceof Vocabulary ? vocabulary.words : vocabulary;
  return [...new Set(words)].filter((word) => word !== PAD && word !== UNK && word !== '');
}

function checkDim(path: string, dim: number, expected: number | undefined, line: number): void {
  if (expected !== undefined && dim !== expected) throw new DatasetError(path, `vectors have dimension ${dim}, expected ${expected}`, { line });
}

/** The file's lines; file and gzip errors become DatasetErrors naming the file. */
async function* lines(path: string): AsyncGenerator<string> {
  try {
    await (await open(path, 'r')).close(); // a clear error for a missing file before streaming
  } catch (error) {
    throw new DatasetError(path, `cannot read word vectors: ${(error as Error).message}`, { cause: error });
  }
  const file = createReadStream(path);
  let input: Readable = file;
  if (path.endsWith('.gz')) {
    input = file.pipe(createGunzip());
    file.on('error', (error) => input.destroy(error)); // pipe() does not forward errors
  }
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of reader) yield line;
  } catch (error) {
    throw new DatasetError(path, `cannot read word vectors: ${(error as Error).message}`, { cause: error });
  } finally {
    reader.close();
    input.destroy();
    file.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------
// Saved form. Two files, so that numpy/PyTorch can memory-map the numbers without a parser:
//   PATH       raw little-endian float32, row-major [rows, dim] (`np.fromfile(PATH, '<f4').reshape(rows, dim)`)
//   PATH.json  {"format": "t2v-word-vectors", "version": 1, "dtype": "float32", "byteOrder": "little",
//               "rows": R, "dim": D, "words": [...], "found": F}
// Row i is `words[i]`; words without a vector are zero rows. Saving a Vocabulary's `words` therefore
// gives an embedding matrix indexed by token id (pad and unk rows zero). Each file is written
// atomically, numbers first and header last; the header records the row count and the loader checks
// the byte length, so a reader never accepts numbers that do not belong to the header.

export interface SavedWordVectorsHeader {
  format: 't2v-word-vectors';
  version: 1;
  dtype: 'float32';
  byteOrder: 'little';
  rows: number;
  dim: number;
  words: string[];
  /** Rows that had a vector (the others are zeros). */
  found: number;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export function wordVectorsHeaderPath(path: string): string {
  return `${path}.json`;
}

export async function saveWordVectors(path: string, words: readonly string[], vectors: ReadonlyMap<string, Float32Array>, dim?: number): Promise<void> {
  const d = dim ?? vectors.values().next().value?.length;
  if (d === undefined || !Number.isInteger(d) || d < 1) throw new RangeError('saveWordVectors: no vectors to take the dimension from; pass dim');
  const matrix = new Float32Array(words.length * d);
  let found = 0;
  words.forEach((word, row) => {
    const vector = vectors.get(word);
    if (!vector) return;
    if (vector.length !== d) throw new RangeError(`saveWordVectors: vector for "${word}" has length ${vector.length}, expected ${d}`);
    matrix.set(vector, row * d);
    found++;
  });
  const header: SavedWordVectorsHeader = { format: 't2v-word-vectors', version: 1, dtype: 'float32', byteOrder: 'little', rows: words.length, dim: d, words: [...words], found };
  await writeFileAtomic(path, toLittleEndianBytes(matrix));
  await writeFileAtomic(wordVectorsHeaderPath(path), `${JSON.stringify(header)}\n`);
}

export async function loadWordVectors(path: string): Promise<{ dim: number; words: string[]; matrix: Float32Array; vectors: Map<string, Float32Array> }> {
  const headerPath = wordVectorsHeaderPath(path);
  let header: SavedWordVectorsHeader;
  let bytes: Buffer;
  try {
    header = JSON.parse(await readFile(headerPath, 'utf8')) as SavedWordVectorsHeader;
  } catch (error) {
    throw new DatasetError(headerPath, `cannot read word-vector header: ${(error as Error).message}`, { cause: error });
  }
  if (
    header?.format !== 't2v-word-vectors' ||
    header.version !== 1 ||
    !Number.isInteger(header.dim) ||
    header.dim < 1 ||
    !Array.isArray(header.words) ||
    header.words.length !== header.rows
  ) {
    throw new DatasetError(headerPath, 'not a t2v word-vector header (format, version, dim, rows and words must agree)');
  }
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new DatasetError(path, `cannot read word vectors: ${(error as Error).message}`, { cause: error });
  }
  const expected = header.rows * header.dim * 4;
  if (bytes.length !== expected) throw new DatasetError(path, `has ${bytes.length} bytes, header says ${header.rows} x ${header.dim} float32 = ${expected}`);
  const matrix = fromLittleEndianBytes(bytes);
  const vectors = new Map<string, Float32Array>();
  header.words.forEach((word, row) => {
    if (!vectors.has(word)) vectors.set(word, matrix.subarray(row * header.dim, (row + 1) * header.dim));
  });
  return { dim: header.dim, words: header.words, matrix, vectors };
}

function toLittleEndianBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return new Uint8Array(view.buffer);
}

function fromLittleEndianBytes(bytes: Uint8Array): Float32Array {
  // Copy: a Buffer from readFile may sit at an offset that is not a multiple of 4.
  const copy = new Uint8Array(bytes);
  if (LITTLE_ENDIAN_HOST) return new Float32Array(copy.buffer, 0, copy.length / 4);
  const view = new DataView(copy.buffer);
  return Float32Array.from({ length: copy.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

// ---------------------------------------------------------------------------------------------------
// Sentence features for the seed pipelines (TGANs-C style conditioning).

function lookup(vectors: ReadonlyMap<string, Float32Array>, token: string, dim: number): Float32Array | undefined {
  const vector = vectors.get(token) ?? vectors.get(token.toLowerCase());
  if (vector && vector.length !== dim) throw new RangeError(`vector for "${token}" has length ${vector.length}, expected ${dim}`);
  return vector;
}

/**
 * A fixed [maxWords, dim] matrix, flattened row-major: row i is token i's vector. Tokens past
 * `maxWords` are dropped; unknown tokens and the rows after the caption are zeros, so row positions
 * still match word positions.
 */
export function sentenceMatrix(tokens: readonly string[], vectors: ReadonlyMap<string, Float32Array>, dim: number, maxWords = 25): Float32Array {
  const matrix = new Float32Array(maxWords * dim);
  const n = Math.min(tokens.length, maxWords);
  for (let i = 0; i < n; i++) {
    const vector = lookup(vectors, tokens[i], dim);
    if (vector) matrix.set(vector, i * dim);
  }
  return matrix;
}

/** The mean of the known tokens' vectors (a bag-of-words sentence embedding); zeros if none is known. */
export function sentenceMean(tokens: readonly string[], vectors: ReadonlyMap<string, Float32Array>, dim: number): Float32Array {
  const sum = new Float64Array(dim); // float64 so long captions do not lose precision
  let known = 0;
  for (const token of tokens) {
    const vector = lookup(vectors, token, dim);
    if (!vector) continue;
    for (let k = 0; k < dim; k++) sum[k] += vector[k];
    known++;
  }
  const mean = new Float32Array(dim);
  if (known > 0) for (let k = 0; k < dim; k++) mean[k] = sum[k] / known;
  return mean;
}
