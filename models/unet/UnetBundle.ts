/**
 * A trained U-Net next-frame predictor as a model folder, written atomically (staged, then renamed):
 *
 *   t2v-model.json   { format: 't2v-model', version, kind: 'unet', args, window, captionLength, encoder,
 *                      training, scores? }
 *   predictor/       model.json + weights.bin (tfjs layers format: (frames [N, d, H, W, C] in [-1, 1],
 *                    sentence [N, vocabulary size]) -> next frame [N, H, W, C] in [-1, 1])
 *   encoder/         model.json + weights.bin (the bag of words: int32 ids [N, captionLength] -> multi-hot)
 *   vocabulary.json  the token ids the encoder reads
 *
 * Only what rolling out needs: the discriminator and optimiser state stay in the training checkpoints.
 * `UnetBundle.load(dir)` gives `videos(captions, firsts, frames)`, the same bytes as UnetTrainer.generate.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '../io/fileSystemIO.ts';
import '../text/textLayers.ts';
import '../tganc/fastGradLayers.ts';
import '../tganc/videoLayers.ts';
import { loadVocabulary, type Vocabulary } from '../../text/Vocabulary.ts';
import { MODEL_FORMAT, readModelInfoOfKind } from '../io/modelFolder.ts';
import { writeModelFolder } from '../io/writeModelFolder.ts';
import type { UnetArgs } from './UnetConfig.ts';
import { slideWindow } from './frameWindows.ts';
import { rolloutVideos, type FirstFrames, type NextFrameModel, type RolledOutVideo, type RolloutOptions, type UnetTrainer } from './UnetTrainer.ts';

export { MODEL_JSON, MODEL_FORMAT } from '../io/modelFolder.ts';

export interface UnetBundleInfo {
  format: typeof MODEL_FORMAT;
  version: 1;
  kind: 'unet';
  /** The networks' shapes (learning rates and loss weights are training matters and are left out). */
  args: UnetArgs;
  /** d: the frames the predictor sees (args.frames). */
  window: number;
  captionLength: number;
  encoder: { kind: 'bow' };
  /** Where and how long it was trained (dataset, steps, seed, backend, …). */
  training: Record<string, unknown>;
  scores?: Record<string, unknown>;
}

export async function saveUnetBundle(dir: string, trainer: UnetTrainer, extra: { training: Record<string, unknown>; scores?: Record<string, unknown> }): Promise<void> {
  const { learningRates, adamBeta1, adamBeta2, mseWeight, advWeight, adversarialFromStep, matchingWeights, realLabel, ...args } = trainer.model.args;
  const info: UnetBundleInfo = {
    format: MODEL_FORMAT,
    version: 1,
    kind: 'unet',
    args: args as UnetArgs,
    window: trainer.window,
    captionLength: trainer.captionLength,
    encoder: { kind: 'bow' },
    training: extra.training,
    ...(extra.scores ? { scores: extra.scores } : {}),
  };
  await writeModelFolder(dir, { info, networks: { predictor: trainer.model.predictor, encoder: trainer.encoder }, vocabulary: trainer.vocabulary });
}

/** A loaded U-Net model folder: roll videos out from first frames and captions. `dispose()` frees its weights. */
export class UnetBundle implements NextFrameModel {
  private constructor(
    readonly dir: string,
    readonly info: UnetBundleInfo,
    readonly vocabulary: Vocabulary,
    readonly predictor: tf.LayersModel,
    readonly encoder: tf.LayersModel,
  ) {}

  static async load(dir: string): Promise<UnetBundle> {
    const info = await readModelInfoOfKind<UnetBundleInfo>(dir, 'unet', 'U-Net');
    const vocabulary = await loadVocabulary(join(dir, 'vocabulary.json'));
    const predictor = await tf.loadLayersModel(`file://${join(dir, 'predictor', 'model.json')}`);
    const encoder = await tf.loadLayersModel(`file://${join(dir, 'encoder', 'model.json')}`);
    return new UnetBundle(dir, info, vocabulary, predictor, encoder);
  }

  get args(): UnetArgs {
    return this.info.args;
  }

  get window(): number {
    return this.info.window;
  }

  get size(): number {
    return this.info.args.size;
  }

  get channels(): number {
    return this.info.args.channels;
  }

  get captionLength(): number {
    return this.info.captionLength;
  }

  encode(ids: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.encoder.apply(ids, { training: false }) as tf.Tensor2D);
  }

  /** As UnetModel.rollout from a window: predict, slide the window onto the prediction, repeat. */
  rollout(first: tf.Tensor5D, sentences: tf.Tensor2D, frames: number): tf.Tensor5D {
    const [n, d, h, w, c] = first.shape;
    if (d !== this.window || h !== this.size || w !== this.size || c !== this.channels) {
      throw new RangeError(`first must have shape [N, ${this.window}, ${this.size}, ${this.size}, ${this.channels}], got [${first.shape.join(', ')}]`);
    }
    let window = first;
    const predicted: tf.Tensor4D[] = [];
    try {
      for (let k = 0; k < frames; k++) {
        const next = tf.tidy(() => this.predictor.apply([window, sentences], { training: false }) as tf.Tensor4D);
        predicted.push(next);
        if (k + 1 < frames) {
          const slid = slideWindow(window, next);
          if (window !== first) window.dispose();
          window = slid;
        }
      }
      return tf.tidy(() => tf.reshape(tf.concat(predicted.map((p) => tf.reshape(p, [n, 1, h * w * c])), 1), [n, frames, h, w, c]) as tf.Tensor5D);
    } finally {
      if (window !== first) window.dispose();
      tf.dispose(predicted);
    }
  }

  /** Videos rolled out from the first d frames of `firsts` under `captions` (see UnetTrainer.generate). */
  videos(captions: readonly string[], firsts: readonly FirstFrames[], frames: number, options: RolloutOptions = {}): RolledOutVideo[] {
    return rolloutVideos(this, captions, firsts, frames, options);
  }

  dispose(): void {
    this.predictor.dispose();
    this.encoder.dispose();
  }
}
