/**
 * The TGANs-C sentence encoder: learned word embeddings -> bidirectional LSTM -> LSTM; the last hidden
 * state of the second LSTM is the sentence vector.
 *
 *   token_ids int32 [B, L] ─┬─ TokenEmbedding [B, L, E] ─┬─ MaskedLstm (forward)  [B, L, H] ─┐
 *                           │                            └─ MaskedLstm (backward) [B, L, H] ─┴─ concat [B, L, 2H] ─┐
 *                           └─ PaddingMask [B, L] ─────────────────────────────────────────────────────── MaskedLstm [B, outputDim]
 *
 * `<pad>` (id 0) is masked out everywhere: the same caption padded to any length gives the same vector
 * (exactly, not only approximately; see textLayers.ts). `<unk>` (id 1) is a token like any other.
 * The layers are this project's own (textLayers.ts says why: stock tf.layers cannot train an embedding
 * on wasm and their LSTM backward pass is slow there). TGANs-C pretrains this encoder as a sequence
 * autoencoder; this module only builds it.
 */
import * as tf from '@tensorflow/tfjs';
import { MaskedLstm, PaddingMask, TokenEmbedding, weightSeed } from './textLayers.ts';

export interface LstmSentenceEncoderArgs {
  /** Number of token ids (Vocabulary.size, specials included). */
  vocabSize: number;
  /** Tokens per caption, L (captions padded with `<pad>` or truncated to it). null: any length per batch. */
  length: number | null;
  /** Word embedding size E. Default 64. */
  embeddingDim?: number;
  /** Units of each direction of the bidirectional LSTM, H. Default 128. */
  hiddenDim?: number;
  /** Sentence vector size (units of the second LSTM). Default 128. */
  outputDim?: number;
  /** Seeds every initial weight: the same args give the same model. Default 0. */
  seed?: number;
  /** Model name; its layers' names are prefixed with it. Default 'lstm_sentence_encoder'. */
  name?: string;
}

export type ResolvedLstmSentenceEncoderArgs = Required<LstmSentenceEncoderArgs>;

/** Kept in the model's userDefinedMetadata (saved in model.json) under this key. */
export const SENTENCE_ENCODER_METADATA_KEY = 'sentenceEncoder';

export function resolveLstmSentenceEncoderArgs(args: LstmSentenceEncoderArgs): ResolvedLstmSentenceEncoderArgs {
  const resolved: ResolvedLstmSentenceEncoderArgs = {
    vocabSize: args.vocabSize,
    length: args.length,
    embeddingDim: args.embeddingDim ?? 64,
    hiddenDim: args.hiddenDim ?? 128,
    outputDim: args.outputDim ?? 128,
    seed: args.seed ?? 0,
    name: args.name ?? 'lstm_sentence_encoder',
  };
  for (const key of ['vocabSize', 'embeddingDim', 'hiddenDim', 'outputDim'] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`LstmSentenceEncoder: ${key} must be a positive integer, got ${String(value)}`);
  }
  if (resolved.length !== null && !(Number.isInteger(resolved.length) && resolved.length >= 1)) {
    throw new RangeError(`LstmSentenceEncoder: length must be a positive integer or null, got ${String(resolved.length)}`);
  }
  if (resolved.vocabSize < 2) throw new RangeError(`LstmSentenceEncoder: vocabSize must be >= 2 (<pad> and <unk>), got ${resolved.vocabSize}`);
  if (!Number.isFinite(resolved.seed)) throw new RangeError(`LstmSentenceEncoder: seed must be a finite number, got ${String(resolved.seed)}`);
  return resolved;
}

/** Builds the encoder: input int32 [B, length] token ids, output float32 [B, outputDim]. */
export function lstmSentenceEncoder(args: LstmSentenceEncoderArgs): tf.LayersModel {
  const a = resolveLstmSentenceEncoderArgs(args);
  const ids = tf.input({ shape: [a.length], dtype: 'int32', name: `${a.name}_token_ids` });
  const embedded = new TokenEmbedding({ vocabSize: a.vocabSize, outputDim: a.embeddingDim, seed: weightSeed(a.seed, 'embedding'), name: `${a.name}_embedding` }).apply(ids) as tf.SymbolicTensor;
  const mask = new PaddingMask({ name: `${a.name}_padding_mask` }).apply(ids) as tf.SymbolicTensor;
  const lstm = (name: string, units: number, options: { goBackwards?: boolean; returnSequences?: boolean }) =>
    new MaskedLstm({ units, seed: weightSeed(a.seed, name), name: `${a.name}_${name}`, ...options });
  const forward = lstm('bilstm_forward', a.hiddenDim, { returnSequences: true }).apply([embedded, mask]) as tf.SymbolicTensor;
  const backward = lstm('bilstm_backward', a.hiddenDim, { returnSequences: true, goBackwards: true }).apply([embedded, mask]) as tf.SymbolicTensor;
  const both = tf.layers.concatenate({ axis: -1, name: `${a.name}_bilstm` }).apply([forward, backward]) as tf.SymbolicTensor;
  const sentence = lstm('lstm', a.outputDim, {}).apply([both, mask]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: ids, outputs: sentence, name: a.name });
  model.setUserDefinedMetadata({ [SENTENCE_ENCODER_METADATA_KEY]: { kind: 'lstm', ...a } });
  return model;
}
