/**
 * Sentence encoders on frozen pretrained word vectors: the seed MPII pipeline's two options, made
 * trainable end to end (only the projection learns).
 *
 * - `mode: 'concat'`: the caption's first `length` (25) word vectors side by side, zero-padded, [B, 25*dim]
 *   (exactly text/wordVectors.ts `sentenceMatrix` of the tokens), then a dense projection.
 * - `mode: 'mean'`: the mean of the known words' vectors [B, dim] (text/wordVectors.ts `sentenceMean`),
 *   then a dense projection.
 *
 *   token_ids int32 [B, L] ── TokenEmbedding (frozen: the word-vector matrix) [B, L, dim]
 *       concat: ── Flatten ('…_features') [B, L*dim] ── Dense ('…_projection') [B, outputDim]
 *       mean:   ── KnownWordMean([vectors, ids]) ('…_features') [B, dim] ── Dense [B, outputDim]
 *
 * The matrix is the one `saveWordVectors`/`loadWordVectors` keep: [vocabulary size, dim], row i = the
 * vector of vocabulary id i (vocabulary order), zero rows for words without a vector. It is stored in the
 * model (a non-trainable weight), so a saved encoder does not need the word-vector file again.
 *
 * How this relates to sentenceMatrix/sentenceMean, which look tokens up in a word -> vector map:
 * - the `<pad>` row is forced to zero (padding positions are zeros in sentenceMatrix); `<unk>` (id 1,
 *   every out-of-vocabulary token) uses the matrix's row 1, which saveWordVectors leaves zero, as
 *   sentenceMatrix gives zeros for unknown tokens;
 * - "known" (counted in the mean) is, by default, a word whose row is not all zeros; pass `known` to
 *   choose otherwise. sentenceMean counts the tokens its map has: with the map of `readWordVectors` (only
 *   words with a vector) the two agree; the map `loadWordVectors` returns has every vocabulary word (zeros
 *   for the missing ones), so sentenceMean over it also counts zero vectors in the denominator;
 * - sentenceMatrix/sentenceMean fall back to the lower-cased token; ids come from Vocabulary.encode,
 *   which is exact (captions are lower-cased before the vocabulary is built, so this rarely matters).
 */
import * as tf from '@tensorflow/tfjs';
import { PAD_ID } from '../../text/Vocabulary.ts';
import type { Vocabulary } from '../../text/Vocabulary.ts';
import { SENTENCE_ENCODER_METADATA_KEY } from './LstmSentenceEncoder.ts';
import { KnownWordMean, TokenEmbedding, weightSeed } from './textLayers.ts';

export type PretrainedEncoderMode = 'concat' | 'mean';

/** What loadWordVectors returns (its `vectors` map is not needed). */
export interface WordVectorMatrix {
  dim: number;
  /** Row order: `words[i]` is the word of row i (vocabulary order). */
  words: readonly string[];
  /** [words.length, dim], row-major. */
  matrix: Float32Array;
}

type DenseActivation = NonNullable<Parameters<typeof tf.layers.dense>[0]['activation']>;

export interface PretrainedSentenceEncoderArgs {
  wordVectors: WordVectorMatrix;
  /** When given, `wordVectors.words` must equal `vocabulary.words` (same ids), else a RangeError. */
  vocabulary?: Vocabulary;
  mode: PretrainedEncoderMode;
  /** Size of the sentence vector (units of the projection). */
  outputDim: number;
  /** Tokens per caption, L. Default 25 (the seed pipeline's). 'mean' also accepts null (any length). */
  length?: number | null;
  /** Which ids count in the mean: 0/1 (or booleans) per id. Default: rows that are not all zeros. `<pad>` never counts. */
  known?: ArrayLike<number | boolean>;
  /** Projection activation. Default 'linear'. */
  activation?: DenseActivation;
  /** Seeds the projection's initial weights. Default 0. */
  seed?: number;
  /** Model name; its layers' names are prefixed with it. Default 'pretrained_sentence_encoder'. */
  name?: string;
}

/** The rows of `matrix` that are not all zeros, as 0/1. */
export function nonZeroRows(matrix: Float32Array, dim: number): Float32Array {
  const rows = matrix.length / dim;
  const flags = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < dim; k++) {
      if (matrix[r * dim + k] !== 0) {
        flags[r] = 1;
        break;
      }
    }
  }
  return flags;
}

/** Builds the encoder: input int32 [B, length] token ids (vocabulary ids), output float32 [B, outputDim]. */
export function pretrainedSentenceEncoder(args: PretrainedSentenceEncoderArgs): tf.LayersModel {
  const { wordVectors, mode } = args;
  const { dim, words, matrix } = wordVectors;
  const name = args.name ?? 'pretrained_sentence_encoder';
  const length = args.length === undefined ? 25 : args.length;
  const seed = args.seed ?? 0;
  const vocabSize = words.length;
  if (mode !== 'concat' && mode !== 'mean') throw new RangeError(`PretrainedSentenceEncoder: mode must be 'concat' or 'mean', got ${String(mode)}`);
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`PretrainedSentenceEncoder: dim must be a positive integer, got ${dim}`);
  if (vocabSize < 2) throw new RangeError(`PretrainedSentenceEncoder: need at least 2 rows (<pad>, <unk>), got ${vocabSize}`);
  if (matrix.length !== vocabSize * dim) {
    throw new RangeError(`PretrainedSentenceEncoder: matrix has ${matrix.length} values, expected ${vocabSize} words x ${dim}`);
  }
  if (!Number.isInteger(args.outputDim) || args.outputDim < 1) {
    throw new RangeError(`PretrainedSentenceEncoder: outputDim must be a positive integer, got ${args.outputDim}`);
  }
  if (length === null ? mode === 'concat' : !(Number.isInteger(length) && length >= 1)) {
    throw new RangeError(`PretrainedSentenceEncoder: length must be a positive integer${mode === 'mean' ? ' or null' : " in 'concat' mode"}, got ${String(length)}`);
  }
  if (args.vocabulary !== undefined) {
    const expected = args.vocabulary.words;
    const at = expected.length !== vocabSize ? Math.min(expected.length, vocabSize) : expected.findIndex((word, i) => word !== words[i]);
    if (expected.length !== vocabSize || at >= 0) {
      throw new RangeError(
        `PretrainedSentenceEncoder: word-vector rows do not follow the vocabulary (${vocabSize} rows, ${expected.length} ids; ` +
          `first difference at id ${at}: "${String(words[at])}" vs "${String(expected[at])}"); save the vectors with saveWordVectors(path, vocabulary.words, …)`,
      );
    }
  }
  const known = args.known === undefined ? nonZeroRows(matrix, dim) : Float32Array.from(args.known, Number);
  if (known.length !== vocabSize) throw new RangeError(`PretrainedSentenceEncoder: known has ${known.length} flags, expected ${vocabSize}`);
  known[PAD_ID] = 0;
  const table = matrix.slice();
  table.fill(0, PAD_ID * dim, (PAD_ID + 1) * dim);

  const ids = tf.input({ shape: [length], dtype: 'int32', name: `${name}_token_ids` });
  const embedding = new TokenEmbedding({ vocabSize, outputDim: dim, trainable: false, name: `${name}_word_vectors` });
  const vectors = embedding.apply(ids) as tf.SymbolicTensor;
  let features: tf.SymbolicTensor;
  if (mode === 'concat') {
    features = tf.layers.flatten({ name: `${name}_features` }).apply(vectors) as tf.SymbolicTensor;
  } else {
    const mean = new KnownWordMean({ vocabSize, name: `${name}_features` });
    features = mean.apply([vectors, ids]) as tf.SymbolicTensor;
    tf.tidy(() => mean.setWeights([tf.tensor1d(known)]));
  }
  const projection = tf.layers.dense({
    units: args.outputDim,
    activation: args.activation ?? 'linear',
    kernelInitializer: tf.initializers.glorotUniform({ seed: weightSeed(seed, 'projection') }),
    name: `${name}_projection`,
  });
  const output = projection.apply(features) as tf.SymbolicTensor;
  tf.tidy(() => embedding.setWeights([tf.tensor2d(table, [vocabSize, dim])]));
  const model = tf.model({ inputs: ids, outputs: output, name });
  model.setUserDefinedMetadata({
    [SENTENCE_ENCODER_METADATA_KEY]: { kind: 'pretrained', mode, vocabSize, dim, length, outputDim: args.outputDim, activation: args.activation ?? 'linear', seed, name },
  });
  return model;
}

/**
 * The encoder's input to its projection: [B, length*dim] (concat; row-major, = sentenceMatrix) or [B, dim]
 * (mean). A model sharing the encoder's layers (and weights); works for a loaded encoder too.
 */
export function pretrainedSentenceFeatures(encoder: tf.LayersModel): tf.LayersModel {
  const layer = encoder.layers.find((l) => l.name.endsWith('_features'));
  if (layer === undefined) throw new Error(`${encoder.name}: no "…_features" layer: not a pretrained sentence encoder`);
  return tf.model({ inputs: encoder.inputs, outputs: layer.output as tf.SymbolicTensor, name: `${encoder.name}_features_model` });
}
