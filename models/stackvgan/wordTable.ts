/**
 * The word-vector table the VAE sentence encoder reads: row i is vocabulary id i's vector ([size, dim]
 * row-major, what VaeSentenceEncoderArgs.wordVectors takes; rows `<pad>` and `<unk>` zero).
 *
 * - `readWordTable(path, vocabulary)`: from a fastText `.vec` / GloVe `.txt` file (optionally .gz), through
 *   text/wordVectors.ts readWordVectors; words the file lacks get zero rows (as sentenceMatrix treats them).
 * - `randomWordTable(vocabulary, dim, seed)`: a STAND-IN for pretrained vectors when none are available
 *   (this machine has no internet): every word gets a random unit vector seeded by (seed, the word itself),
 *   so the same word has the same vector whatever its id or the vocabulary's size. Such vectors carry no
 *   meaning (no two words are closer than chance), but they are distinct, which is all the VAE and the
 *   Siamese embedding need to tell captions apart on synthetic data.
 */
import type { Vocabulary } from '../../text/Vocabulary.ts';
import { PAD_ID, UNK_ID } from '../../text/Vocabulary.ts';
import { readWordVectors, type WordVectorCoverage } from '../../text/wordVectors.ts';
import { Random } from '../../utils/random.ts';

export interface WordTable {
  dim: number;
  /** [vocabulary.size · dim], row-major by token id. */
  matrix: Float32Array;
  /** Where the rows came from: `random` or the file's path, and how many words had a vector. */
  source: string;
  coverage: Pick<WordVectorCoverage, 'words' | 'found'>;
}

/** A standard normal number from two uniforms (Box-Muller). */
function gaussian(random: Random): number {
  const u = 1 - random.float();
  const v = random.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Seeded random unit vectors, one per word (see the module comment). */
export function randomWordTable(vocabulary: Vocabulary, dim: number, seed: number): WordTable {
  if (!(Number.isSafeInteger(dim) && dim >= 1)) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  const words = vocabulary.words;
  const matrix = new Float32Array(words.length * dim);
  words.forEach((word, id) => {
    if (id === PAD_ID || id === UNK_ID) return;
    const random = Random.derive(seed, 'word-vector', word);
    const row = Array.from({ length: dim }, () => gaussian(random));
    const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0)) || 1;
    row.forEach((x, k) => (matrix[id * dim + k] = x / norm));
  });
  const count = Math.max(0, words.length - 2);
  return { dim, matrix, source: 'random', coverage: { words: count, found: count } };
}

/** The vocabulary's rows of a word-vectors file (words without one: zeros). */
export async function readWordTable(path: string, vocabulary: Vocabulary, dim?: number): Promise<WordTable> {
  const read = await readWordVectors(path, vocabulary, dim !== undefined ? { dim } : {});
  const words = vocabulary.words;
  const matrix = new Float32Array(words.length * read.dim);
  words.forEach((word, id) => {
    if (id === PAD_ID || id === UNK_ID) return;
    const vector = read.vectors.get(word);
    if (vector) matrix.set(vector, id * read.dim);
  });
  return { dim: read.dim, matrix, source: path, coverage: { words: read.coverage.words, found: read.coverage.found } };
}
