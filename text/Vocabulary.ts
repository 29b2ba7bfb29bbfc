import { readFile } from 'node:fs/promises';
import { DatasetError } from '../pipeline/errors/DatasetError.ts';
import { writeFileAtomic } from '../utils/atomicFile.ts';

/**
 * Word <-> id table for caption encoders. Ids are fixed by the data alone (count, then word), so two
 * runs over the same captions give the same ids and a saved model keeps matching its vocabulary.
 */
export const PAD = '<pad>';
export const UNK = '<unk>';
export const PAD_ID = 0;
export const UNK_ID = 1;

/** The saved form. `words` is the whole id -> word table: `words[0]` is `pad`, `words[1]` is `unk`. */
export interface VocabularyJSON {
  pad: string;
  unk: string;
  words: string[];
  /** Training-set counts of the real words (not the two specials). */
  counts: Record<string, number>;
}

export interface FinalizeOptions {
  /** Words seen fewer times become `<unk>`. Default 1. */
  minCount?: number;
  /** Most ids in all, the two specials included (the embedding table's height). Default no limit. */
  maxSize?: number;
}

export interface EncodeOptions {
  /** Output length: longer inputs are truncated; shorter ones padded with `<pad>` unless `pad` is false. */
  length?: number;
  /** Pad up to `length`. Default true. */
  pad?: boolean;
}

export class Vocabulary {
  private readonly counted = new Map<string, number>();
  private table: string[] | undefined;
  private index: Map<string, number> | undefined;

  /** Counts the words of one caption. Only before `finalize`; the specials themselves are ignored. */
  add(tokens: Iterable<string>): this {
    if (this.table) throw new Error('Vocabulary.add after finalize: the ids are already fixed');
    for (const token of tokens) {
      if (token === PAD || token === UNK || token === '') continue;
      this.counted.set(token, (this.counted.get(token) ?? 0) + 1);
    }
    return this;
  }

  /** Fixes the ids: `<pad>` = 0, `<unk>` = 1, then words by count (highest first), ties by code-unit order. */
  finalize(options: FinalizeOptions = {}): this {
    if (this.table) throw new Error('Vocabulary.finalize called twice');
    const minCount = options.minCount ?? 1;
    const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
    if (!(minCount >= 1)) throw new RangeError(`minCount must be >= 1, got ${minCount}`);
    if (!(maxSize >= 2)) throw new RangeError(`maxSize must be >= 2 (room for ${PAD} and ${UNK}), got ${maxSize}`);
    // Not localeCompare: its order depends on the ICU build, plain comparison does not.
    const words = [...this.counted]
      .filter(([, count]) => count >= minCount)
      .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, maxSize - 2)
      .map(([word]) => word);
    const kept = new Set(words);
    for (const word of [...this.counted.keys()]) if (!kept.has(word)) this.counted.delete(word);
    this.setTable([PAD, UNK, ...words]);
    return this;
  }

  /** Distinct words counted so far (before or after finalize). */
  get distinctWords(): number {
    return this.counted.size;
  }

  get finalized(): boolean {
    return this.table !== undefined;
  }

  /** Number of ids, specials included. */
  get size(): number {
    return this.fixed().length;
  }

  /** The id -> word table (`words[id]`), specials included. */
  get words(): readonly string[] {
    return this.fixed();
  }

  has(word: string): boolean {
    this.fixed();
    return this.index!.has(word);
  }

  /** Training count of a word (0 for unknown words and the specials). */
  count(word: string): number {
    return this.counted.get(word) ?? 0; // finalize drops the counts of words it leaves out
  }

  /** The word's id, `<unk>`'s id (1) for words not in the vocabulary. */
  id(word: string): number {
    this.fixed();
    return this.index!.get(word) ?? UNK_ID;
  }

  /** The word for an id; a RangeError for ids outside the table (a decoding bug, not data). */
  word(id: number): string {
    const table = this.fixed();
    if (!Number.isInteger(id) || id < 0 || id >= table.length) throw new RangeError(`no word with id ${id} (vocabulary size ${table.length})`);
    return table[id];
  }

  encode(tokens: readonly string[], options: EncodeOptions = {}): number[] {
    const ids = tokens.map((token) => this.id(token));
    const { length, pad = true } = options;
    if (length === undefined) return ids;
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`length must be a whole number >= 0, got ${length}`);
    if (ids.length >= length) return ids.slice(0, length);
    return pad ? [...ids, ...new Array<number>(length - ids.length).fill(PAD_ID)] : ids;
  }

  /** Distinct tokens that would encode as `<unk>`, in first-seen order (for coverage reports). */
  unknownWords(tokens: Iterable<string>): string[] {
    this.fixed();
    const unknown = new Set<string>();
    for (const token of tokens) if (!this.index!.has(token)) unknown.add(token);
    return [...unknown];
  }

  toJSON(): VocabularyJSON {
    const table = this.fixed();
    const counts: Record<string, number> = {};
    for (const word of table.slice(2)) counts[word] = this.counted.get(word) ?? 0;
    return { pad: PAD, unk: UNK, words: [...table], counts };
  }

  /** Rebuilds a finalized vocabulary; a DatasetError naming `source` if `json` is not one. */
  static fromJSON(json: unknown, source = '<vocabulary json>'): Vocabulary {
    const fail = (reason: string): never => {
      throw new DatasetError(source, `not a vocabulary: ${reason}`);
    };
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('expected an object');
    const { pad, unk, words, counts } = json as Partial<Record<keyof VocabularyJSON, unknown>>;
    if (pad !== PAD || unk !== UNK) fail(`pad/unk must be "${PAD}"/"${UNK}"`);
    if (!Array.isArray(words) || !words.every((w): w is string => typeof w === 'string' && w !== '')) fail('words must be an array of non-empty strings');
    const table = words as string[];
    if (table[PAD_ID] !== PAD || table[UNK_ID] !== UNK) fail(`words must start with "${PAD}", "${UNK}"`);
    if (new Set(table).size !== table.length) fail('words has duplicates');
    if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) return fail('counts must be an object');
    const vocabulary = new Vocabulary();
    for (const word of table.slice(2)) {
      const count = (counts as Record<string, unknown>)[word];
      if (count === undefined) continue;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) fail(`count of "${word}" must be a whole number >= 0`);
      vocabulary.counted.set(word, count as number);
    }
    vocabulary.setTable(table);
    return vocabulary;
  }

  private setTable(table: string[]): void {
    this.table = table;
    this.index = new Map(table.map((word, id) => [word, id]));
  }

  private fixed(): string[] {
    if (!this.table) throw new Error('Vocabulary not finalized: call finalize() first');
    return this.table;
  }
}

/** Writes the vocabulary as JSON, atomically (readers never see half a file). */
export async function saveVocabulary(path: string, vocabulary: Vocabulary): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(vocabulary.toJSON())}\n`);
}

/** Reads a vocabulary saved by `saveVocabulary`; a DatasetError naming the file if it is not one. */
export async function loadVocabulary(path: string): Promise<Vocabulary> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DatasetError(path, `cannot read vocabulary: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(path, `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return Vocabulary.fromJSON(json, path);
}
