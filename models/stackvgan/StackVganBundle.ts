/**
 * A trained StackGAN-I -> VGAN model as a model folder, written atomically (staged, then renamed):
 *
 *   t2v-model.json    { format: 't2v-model', version, kind: 'stackvgan', args, captionLength, wordVectors,
 *                       training, scores? }
 *   text-encoder/     the VAE's sentence encoder: int32 ids [N, L] -> mu [N, vaeLatentDim] (word table inside)
 *   text-embedding/   the joint embedding's text branch: mu -> the sentence vector [N, embeddingDim]
 *   conditioning/     conditioning augmentation: sentence -> [mu, logSigma] [N, conditionDim]
 *   stage1/           Stage-I generator: (condition, z1) -> image [N, S, S, C]
 *   stage2/           Stage-II generator: (image, sentence, z2) -> [video, foreground, mask]
 *   vocabulary.json   the token ids the text encoder reads
 *
 * Only what generating needs: the VAE's decoder, the frame branch, the discriminators and the optimiser
 * state stay in the training checkpoints. `videos(jobs)` gives the same bytes as StackVganTrainer.generate.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClipShape } from '../../datasets/clip.ts';
import '../io/fileSystemIO.ts';
import '../text/textLayers.ts';
import '../text/jointEmbedding.ts';
import '../tganc/fastGradLayers.ts';
import '../tganc/videoLayers.ts';
import '../vgan/maskComposition.ts';
import { loadVocabulary, type Vocabulary } from '../../text/Vocabulary.ts';
import { MODEL_FORMAT, readModelInfoOfKind } from '../io/modelFolder.ts';
import { writeModelFolder } from '../io/writeModelFolder.ts';
import { reparameterize } from '../text/conditioningAugmentation.ts';
import { generateFromImage } from '../vgan/imageToVideoGenerator.ts';
import { videoSeed } from '../tganc/TganTrainer.ts';
import { networkArgsOf, type StackVganArgs } from './StackVganConfig.ts';
import type { StackVganTrainer } from './StackVganTrainer.ts';
import { generateTwoStage, stageOneImages, type TwoStageJob, type TwoStageModel, type TwoStageOptions, type TwoStageVideo } from './twoStageGeneration.ts';

export interface StackVganBundleInfo {
  format: typeof MODEL_FORMAT;
  version: 1;
  kind: 'stackvgan';
  /** The networks' shapes (learning rates and loss weights are training matters and are left out). */
  args: StackVganArgs;
  captionLength: number;
  /** Where the VAE's word vectors came from: `random` (seeded stand-ins) or a file; its rows are in text-encoder/. */
  wordVectors: { source: string; dim: number; found: number; words: number };
  training: Record<string, unknown>;
  scores?: Record<string, unknown>;
}

const NETWORKS = ['text-encoder', 'text-embedding', 'conditioning', 'stage1', 'stage2'] as const;

export async function saveStackVganBundle(dir: string, trainer: StackVganTrainer, extra: { training: Record<string, unknown>; scores?: Record<string, unknown> }): Promise<void> {
  const model = trainer.model;
  const info: StackVganBundleInfo = {
    format: MODEL_FORMAT,
    version: 1,
    kind: 'stackvgan',
    args: networkArgsOf(model.args),
    captionLength: trainer.captionLength,
    wordVectors: { source: trainer.wordTable.source, dim: trainer.wordTable.dim, ...trainer.wordTable.coverage },
    training: extra.training,
    ...(extra.scores ? { scores: extra.scores } : {}),
  };
  const networks: Record<(typeof NETWORKS)[number], tf.LayersModel> = {
    'text-encoder': model.text.vae.sentenceEncoder,
    'text-embedding': model.text.joint.textBranch,
    conditioning: model.conditioning,
    stage1: model.imageGenerator,
    stage2: model.videoGenerator,
  };
  await writeModelFolder(dir, { info, networks: Object.fromEntries(NETWORKS.map((name) => [name, networks[name]])), vocabulary: trainer.vocabulary });
}

/** A loaded StackGAN-I -> VGAN model folder: videos from captions. `dispose()` frees its weights. */
export class StackVganBundle implements TwoStageModel {
  private constructor(
    readonly dir: string,
    readonly info: StackVganBundleInfo,
    readonly vocabulary: Vocabulary,
    private readonly networks: Record<(typeof NETWORKS)[number], tf.LayersModel>,
  ) {}

  static async load(dir: string): Promise<StackVganBundle> {
    const info = await readModelInfoOfKind<StackVganBundleInfo>(dir, 'stackvgan', 'StackGAN-I -> VGAN');
    const vocabulary = await loadVocabulary(join(dir, 'vocabulary.json'));
    const networks: Partial<Record<(typeof NETWORKS)[number], tf.LayersModel>> = {};
    try {
      for (const name of NETWORKS) networks[name] = await tf.loadLayersModel(`file://${join(dir, name, 'model.json')}`);
    } catch (error) {
      for (const network of Object.values(networks)) network.dispose();
      throw error;
    }
    return new StackVganBundle(dir, info, vocabulary, networks as Record<(typeof NETWORKS)[number], tf.LayersModel>);
  }

  get args(): StackVganArgs {
    return this.info.args;
  }
  get captionLength(): number {
    return this.info.captionLength;
  }
  get frames(): number {
    return this.info.args.frames;
  }
  get size(): number {
    return this.info.args.size;
  }
  get channels(): number {
    return this.info.args.channels;
  }
  get conditionDim(): number {
    return this.info.args.conditionDim;
  }
  get imageNoiseDim(): number {
    return this.info.args.imageNoiseDim;
  }
  get videoNoiseDim(): number {
    return this.info.args.videoNoiseDim;
  }

  sentences(ids: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.networks['text-embedding'].apply(this.networks['text-encoder'].apply(ids), { training: false }) as tf.Tensor2D);
  }

  /** As StackVganModel.image: c = mu + sigma · eps, then the Stage-I generator. */
  image(sentences: tf.Tensor2D, noise: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const [mu, logSigma] = this.networks.conditioning.apply(sentences, { training: false }) as [tf.Tensor2D, tf.Tensor2D];
      return this.networks.stage1.apply([reparameterize(mu, logSigma, eps), noise], { training: false }) as tf.Tensor4D;
    });
  }

  video(images: tf.Tensor4D, sentences: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor5D {
    return tf.tidy(() => generateFromImage(this.networks.stage2, images, sentences, noise, false).video);
  }

  /** Videos for captions through both stages (the same bytes as StackVganTrainer.generate). */
  videos(jobs: readonly TwoStageJob[], options: TwoStageOptions = {}): TwoStageVideo[] {
    return generateTwoStage(this, jobs, options);
  }

  /** The Stage-I images of jobs (what their videos start from), uint8 [1, H, W, C]. */
  stillImages(jobs: readonly TwoStageJob[]): { frames: Uint8Array; shape: ClipShape }[] {
    return stageOneImages(this, jobs);
  }

  /**
   * `perCaption` videos of every caption, copy k of caption i seeded by videoSeed(seed, i, k) (as
   * TganBundle.videos, so `t2v eval` treats both kinds alike).
   */
  captionVideos(captions: readonly string[], options: { perCaption?: number; seed?: number; size?: number; batch?: number; truncation?: number } = {}): (TwoStageVideo & { copy: number })[] {
    const perCaption = options.perCaption ?? 1;
    const seed = options.seed ?? 0;
    const jobs = captions.flatMap((caption, i) => Array.from({ length: perCaption }, (_, copy) => ({ caption, copy, seed: videoSeed(seed, i, copy) })));
    const videos = generateTwoStage(this, jobs, { ...(options.size !== undefined ? { size: options.size } : {}), ...(options.batch !== undefined ? { batch: options.batch } : {}), ...(options.truncation !== undefined ? { truncation: options.truncation } : {}) });
    return videos.map((v, k) => ({ ...v, copy: jobs[k]!.copy }));
  }

  dispose(): void {
    for (const network of Object.values(this.networks)) network.dispose();
  }
}
