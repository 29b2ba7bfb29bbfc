/**
 * A fixed sentence encoder: the caption's words as a multi-hot vector over the vocabulary (BagOfWords).
 * An alternative to the TGANs-C bi-LSTM (LstmSentenceEncoder) for small template vocabularies such as
 * bouncing digits', where word order adds nothing and a jointly trained LSTM starts out giving every
 * caption nearly the same vector.
 */
import * as tf from '@tensorflow/tfjs';
import { BagOfWords } from './textLayers.ts';
import { SENTENCE_ENCODER_METADATA_KEY } from './LstmSentenceEncoder.ts';

export interface BagOfWordsEncoderArgs {
  vocabSize: number;
  /** Tokens per caption (the ids' second dimension); null: any. */
  length: number | null;
  name?: string;
}

/** ids int32 [B, length] -> multi-hot float32 [B, vocabSize]. */
export function bagOfWordsEncoder(args: BagOfWordsEncoderArgs): tf.LayersModel {
  const name = args.name ?? 'bag_of_words_encoder';
  const ids = tf.input({ shape: [args.length], dtype: 'int32', name: `${name}_token_ids` });
  const vector = new BagOfWords({ vocabSize: args.vocabSize, name: `${name}_words` }).apply(ids) as tf.SymbolicTensor;
  const model = tf.model({ inputs: ids, outputs: vector, name });
  model.setUserDefinedMetadata({ [SENTENCE_ENCODER_METADATA_KEY]: { kind: 'bow', vocabSize: args.vocabSize, length: args.length } });
  return model;
}
