/**
 * A trained TGANs-C model as a folder `t2v generate` can use, written atomically:
 *
 *   t2v-model.json   { format, version, kind: 'tganc', args, encoder, captionLength, training, scores }
 *   generator/       model.json + weights.bin (tfjs layers format: [noise, sentence] -> video in [-1, 1])
 *   encoder/         model.json + weights.bin (int32 token ids [N, captionLength] -> sentence)
 *   vocabulary.json  the token ids the encoder was trained with
 *
 * Only what generation needs: the discriminators and optimiser state stay in the training checkpoints.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '../io/fileSystemIO.ts';
import { loadVocabulary, type Vocabulary } from '../../text/Vocabulary.ts';
import { MODEL_FORMAT, readModelInfoOfKind } from '../io/modelFolder.ts';
import { writeModelFolder } from '../io/writeModelFolder.ts';
import '../text/textLayers.ts';
import type { TganArgs } from './TganConfig.ts';
import type { ResolvedTganEncoderArgs } from './TganTrainer.ts';
import { generateVideos, type TganTrainer } from './TganTrainer.ts';
import './videoLayers.ts';
import './PlaceSprite.ts';
import './fastGradLayers.ts';

export { MODEL_JSON, MODEL_FORMAT } from '../io/modelFolder.ts';

export interface TganBundleInfo {
  format: typeof MODEL_FORMAT;
  version: 1;
  kind: 'tganc';
  args: TganArgs;
  encoder: ResolvedTganEncoderArgs;
  captionLength: number;
  /** Where and how long it was trained (dataset, steps, seed, backend). */
  training: Record<string, unknown>;
  /** Evaluation results, when it was evaluated. */
  scores?: Record<string, unknown>;
}

export async function saveTganBundle(dir: string, trainer: TganTrainer, extra: { training: Record<string, unknown>; scores?: Record<string, unknown> }): Promise<void> {
  // The networks' shapes only: learning rates and loss weights are training matters.
  const { learningRates, lossWeights, matchingWeights, adamBeta1, adamBeta2, ...args } = trainer.model.args;
  const info: TganBundleInfo = {
    format: MODEL_FORMAT,
    version: 1,
    kind: 'tganc',
    args: args as TganArgs,
    encoder: trainer.encoderArgs,
    captionLength: trainer.captionLength,
    training: extra.training,
    ...(extra.scores ? { scores: extra.scores } : {}),
  };
  await writeModelFolder(dir, { info, networks: { generator: trainer.model.averageGenerator ?? trainer.model.generator, encoder: trainer.model.sentenceEncoder! }, vocabulary: trainer.vocabulary });
}

/** A loaded bundle: generate videos for captions. `dispose()` frees its weights. */
export class TganBundle {
  private constructor(
    readonly dir: string,
    readonly info: TganBundleInfo,
    readonly vocabulary: Vocabulary,
    readonly generator: tf.LayersModel,
    readonly encoder: tf.LayersModel,
  ) {}

  static async load(dir: string): Promise<TganBundle> {
    const info = await readModelInfoOfKind<TganBundleInfo>(dir, 'tganc', 'TGANs-C');
    const vocabulary = await loadVocabulary(join(dir, 'vocabulary.json'));
    const generator = await tf.loadLayersModel(`file://${join(dir, 'generator', 'model.json')}`);
    const encoder = await tf.loadLayersModel(`file://${join(dir, 'encoder', 'model.json')}`);
    return new TganBundle(dir, info, vocabulary, generator, encoder);
  }

  get args(): TganArgs {
    return this.info.args;
  }

  encode(ids: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.encoder.apply(ids, { training: false }) as tf.Tensor2D);
  }

  generate(noise: tf.Tensor2D, sentences: tf.Tensor2D): tf.Tensor5D {
    return tf.tidy(() => this.generator.apply([noise, sentences], { training: false }) as tf.Tensor5D);
  }

  /** Videos as bytes, `perCaption` per caption, seeded; see TganTrainer.generate. */
  videos(captions: readonly string[], options: { perCaption?: number; seed?: number; size?: number; batch?: number; truncation?: number } = {}) {
    return generateVideos(this, this.vocabulary, this.info.captionLength, captions, options);
  }

  dispose(): void {
    this.generator.dispose();
    this.encoder.dispose();
  }
}
