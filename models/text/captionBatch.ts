/**
 * Captions -> sentence-encoder inputs, and the pairing a matching-aware discriminator needs.
 *
 * - `encodeCaptions(vocabulary, tokenLists, length)`: ids [B*L] (row-major [B, L], int32, `<pad>` = 0
 *   after the caption, truncated past L) + the number of real tokens per caption. Out-of-vocabulary words
 *   become `<unk>` (1), which the encoders treat as a token; only `<pad>` is masked. An empty caption is
 *   all `<pad>`: the LSTM encoder then returns its zero initial state, the mean encoder a zero mean.
 * - `captionTensor(encoded)`: the int32 [B, L] tensor the encoders take.
 * - `mismatchedIndices(captions, seed)`: for each item i, the index j of another item whose caption
 *   differs (uniformly among those), for the (real video, mismatched caption) pair. Deterministic: the
 *   same captions and seed give the same indices. When every caption in the batch is the same there is
 *   no mismatched caption at all and every index is -1 (it is all or nothing: if two distinct captions
 *   exist, every item has a partner); a caller should then leave the mismatched term out of that batch's
 *   loss (or draw mismatched captions from outside the batch). Pass what the model sees (the encoded ids
 *   rows, or the token lists) rather than raw strings: two different strings can encode to the same ids
 *   (e.g. both all `<unk>`), and such a pair would be a "mismatch" the model cannot tell apart.
 * - `unknownWords(vocabulary, tokenLists)`: the distinct tokens that would encode as `<unk>`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Vocabulary } from '../../text/Vocabulary.ts';
import { Random } from '../../utils/random.ts';

export interface EncodedCaptions {
  /** [batch * length] token ids, row-major (caption b occupies [b*length, (b+1)*length)). */
  ids: Int32Array;
  /** [batch] real tokens per caption after truncation (min(tokens, length)); positions past it are `<pad>`. */
  lengths: Int32Array;
  batch: number;
  length: number;
}

export function encodeCaptions(vocabulary: Vocabulary, tokenLists: readonly (readonly string[])[], length: number): EncodedCaptions {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`encodeCaptions: length must be a positive integer, got ${length}`);
  const batch = tokenLists.length;
  const ids = new Int32Array(batch * length);
  const lengths = new Int32Array(batch);
  tokenLists.forEach((tokens, b) => {
    ids.set(vocabulary.encode(tokens, { length }), b * length);
    lengths[b] = Math.min(tokens.length, length);
  });
  return { ids, lengths, batch, length };
}

/** int32 [batch, length] tensor of the encoded ids. */
export function captionTensor(encoded: EncodedCaptions): tf.Tensor2D {
  return tf.tensor2d(encoded.ids, [encoded.batch, encoded.length], 'int32');
}

/** The rows of `encoded.ids` as separate arrays (views), e.g. to pass to mismatchedIndices. */
export function captionRows(encoded: EncodedCaptions): Int32Array[] {
  return Array.from({ length: encoded.batch }, (_, b) => encoded.ids.subarray(b * encoded.length, (b + 1) * encoded.length));
}

/** A caption to compare: a string, a token list, or an id row. Items are equal when their elements are. */
export type CaptionKey = string | ArrayLike<string | number>;

function keyOf(caption: CaptionKey): string {
  return typeof caption === 'string' ? caption : Array.from(caption, String).join('\u0000');
}

/**
 * For each item, the index of a uniformly chosen item with a different caption; -1 for all items when
 * all captions are equal (see the module comment). Deterministic in (captions, seed).
 */
export function mismatchedIndices(captions: readonly CaptionKey[], seed: number | string): Int32Array {
  const keys = captions.map(keyOf);
  const groupSize = new Map<string, number>();
  for (const key of keys) groupSize.set(key, (groupSize.get(key) ?? 0) + 1);
  const random = new Random(seed);
  const result = new Int32Array(keys.length).fill(-1);
  keys.forEach((key, i) => {
    const others = keys.length - groupSize.get(key)!;
    if (others === 0) return;
    let rank = Math.floor(random.float() * others);
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === key) continue;
      if (rank-- === 0) {
        result[i] = j;
        break;
      }
    }
  });
  return result;
}

/** Distinct tokens of all the captions that are not in the vocabulary (they encode as `<unk>`), first-seen order. */
export function unknownWords(vocabulary: Vocabulary, tokenLists: Iterable<readonly string[]>): string[] {
  const all = function* () {
    for (const tokens of tokenLists) yield* tokens;
  };
  return vocabulary.unknownWords(all());
}
