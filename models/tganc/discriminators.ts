/**
 * TGANs-C's three matching-aware discriminators. Each judges (clip, sentence) pairs and returns logits
 * (not probabilities): real clip + its caption should score high; a generated clip, or a real clip with a
 * mismatched caption, low (losses.ts).
 *
 * Each is built as two tf.LayersModels plus the full model composed of them:
 *   trunk: clip [N, T, H, W, C] -> features [N, T', F]          (the expensive part, sentence-free)
 *   head:  (features [N, T', F], sentence [N, S]) -> logits [N, T']
 *   model: (clip, sentence) -> logits = head(trunk(clip), sentence)
 * The caption only joins after the convolutions (the sentence vector is replicated over the final map), so
 * training runs each trunk once on real and once on generated clips and reuses the real features for the
 * mismatched-caption pairs (TganModel); `model` is what one saves, loads and calls at evaluation.
 *
 * - video (T' = 1): 3D convs, kernel 4, stride 2 in space (and in time while time can shrink, else
 *   stride 1, kernel 3 or 1), LeakyReLU, batch norm after all but the first, down to [t, h, w, c];
 *   F = t·h·w·c.
 * - frame (T' = T): the clip's frames folded into the batch, 2D convs (kernel 4, stride 2) over each
 *   frame; a logit per frame.
 * - motion (T' = T - 1): per-frame 2D conv features as for frame (own weights), then differences of adjacent
 *   frames' final feature maps; a logit per pair of adjacent frames.
 *
 * Head (shared design): the final map of each step, [H', W', c] (video: [t·h, w, c]), gets the sentence
 * (projected by dense + LeakyReLU when conditionDim is set) replicated over all its positions and
 * concatenated along channels; then a 1x1 conv (c filters) + LeakyReLU and a conv whose kernel covers the
 * whole map (1 filter, valid) -> one logit per step. Convolutions rather than dense layers: on wasm the
 * gradients of a matMul are transposed matMuls (2.6 s for one 3456x320x256 product here), while conv
 * gradients run on XNNPACK through registerKernelFixes().
 *
 * Batch norm, biases and LeakyReLU come from fastGradLayers.ts (any rank, gradients that are fast on wasm);
 * no rank-5 tile or slice is used.
 */
import * as tf from '@tensorflow/tfjs';
import { timeStrides, validateTganArgs } from './TganConfig.ts';
import type { TganArgs, TganChannels } from './TganConfig.ts';
import { deriveSeed, normalInitializer } from './seeds.ts';
import { SpectralConv } from './spectralConv.ts';
import type { Initializer } from './seeds.ts';
import { BatchNorm, ChannelBias, LeakyReLU } from './fastGradLayers.ts';
import { FoldTime, MinibatchStdDev, RepeatOverMap, SliceFeatures, TemporalDifference, UnfoldTime } from './videoLayers.ts';

export type DiscriminatorKind = 'video' | 'frame' | 'motion';
export const DISCRIMINATOR_KINDS: readonly DiscriminatorKind[] = ['video', 'frame', 'motion'];

export interface DiscriminatorArgs {
  kind: DiscriminatorKind;
  frames: number;
  size: number;
  channels: TganChannels;
  sentenceDim: number;
  /** Sentence projection size; undefined: the raw sentence is replicated. */
  conditionDim?: number;
  /** Feature channels, fine to coarse; one stride-2 stage per entry. */
  dChannels: number[];
  /** LeakyReLU slope. */
  leak: number;
  seed: number;
  batchNormMomentum: number;
  /** Append the batch's feature standard deviation to the trunk's features (see MinibatchStdDev). */
  minibatchStd?: boolean;
  /** How the head joins the sentence: 'concat' (default) or 'projection' (TganArgs.headConditioning). */
  headConditioning?: 'concat' | 'projection';
  /** Spectrally normalised convolutions (spectralConv.ts) and no batch norm (TganArgs.spectralNorm). */
  spectralNorm?: boolean;
  /** Also build `words`, a classifier of the caption's words over this vocabulary (TganArgs.predictWords). */
  predictWords?: number;
  /** Model name; default `${kind}_discriminator`. Trunk and head are named `${name}_trunk`/`_head`. */
  name?: string;
}

export function discriminatorArgsFrom(args: TganArgs, kind: DiscriminatorKind): DiscriminatorArgs {
  validateTganArgs(args);
  // The frame and motion discriminators' weights do not depend on how many frames they see (frames are
  // folded into the batch): built for the frames they are given per step (TganModel picks them).
  const frames = kind === 'frame' ? (args.frameSamples ?? args.frames) : kind === 'motion' ? (args.motionWindow ?? args.frames) : args.frames;
  return {
    kind,
    frames,
    size: args.size,
    channels: args.channels,
    sentenceDim: args.sentenceDim,
    ...(args.conditionDim !== undefined ? { conditionDim: args.conditionDim } : {}),
    dChannels: [...args.dChannels],
    leak: args.leak,
    seed: args.seed ?? 0,
    batchNormMomentum: args.batchNormMomentum ?? 0.9,
    minibatchStd: args.minibatchStd ?? false,
    spectralNorm: args.spectralNorm ?? false,
    headConditioning: args.headConditioning ?? 'concat',
    ...(args.predictWords !== undefined && (args.wordClassifiers ?? ['video']).includes(kind) ? { predictWords: args.predictWords } : {}),
  };
}

export interface Discriminator {
  kind: DiscriminatorKind;
  /** (clip, sentence) -> logits [N, T']. */
  model: tf.LayersModel;
  /** clip -> features [N, T', F]. */
  trunk: tf.LayersModel;
  /** (features, sentence) -> logits [N, T']. */
  head: tf.LayersModel;
  /** T': logits per clip (video 1, frame T, motion T - 1). */
  logitsPerClip: number;
  /** features [N, T', F] -> word logits [N, vocabulary] (only with predictWords). */
  words?: tf.LayersModel;
}

/** Input names of every discriminator model, in order. */
export const DISCRIMINATOR_INPUTS = ['video', 'sentence'] as const;

export function buildDiscriminator(args: DiscriminatorArgs): Discriminator {
  const name = args.name ?? `${args.kind}_discriminator`;
  const prefix = { video: 'dv', frame: 'df', motion: 'dm' }[args.kind];
  const init = (layer: string): Initializer => normalInitializer(args.seed, `${name}/${layer}`);
  const ctx: BuildContext = { args, prefix, init };

  const clip = tf.input({ name: `${prefix}_trunk_${DISCRIMINATOR_INPUTS[0]}`, shape: [args.frames, args.size, args.size, args.channels] });
  let features = args.kind === 'video' ? videoTrunk(ctx, clip) : frameTrunk(ctx, clip);
  if (args.minibatchStd) features = new MinibatchStdDev({ name: `${prefix}_minibatch_std` }).apply(features) as tf.SymbolicTensor;
  const trunk = tf.model({ name: `${name}_trunk`, inputs: clip, outputs: features });
  const [, steps, featureSize] = features.shape as [null, number, number];
  const map = finalMap(args);
  if (featureSize !== map[0] * map[1] * map[2] + (args.minibatchStd ? 1 : 0)) {
    throw new Error(`${name}: trunk features of ${featureSize} do not form the expected [${map.join(', ')}] map`);
  }
  const head = matchingHead(ctx, `${name}_head`, steps, map);

  const video = tf.input({ name: DISCRIMINATOR_INPUTS[0], shape: [args.frames, args.size, args.size, args.channels] });
  const sentence = tf.input({ name: DISCRIMINATOR_INPUTS[1], shape: [args.sentenceDim] });
  const logits = head.apply([trunk.apply(video) as tf.SymbolicTensor, sentence]) as tf.SymbolicTensor;
  const model = tf.model({ name, inputs: [video, sentence], outputs: logits });
  const built: Discriminator = { kind: args.kind, model, trunk, head, logitsPerClip: steps };
  if (args.predictWords !== undefined) built.words = wordClassifier(ctx, `${name}_words`, steps, map, args.predictWords);
  return built;
}

/**
 * The video discriminator's 3D-conv trunk alone, clip [N, T, H, W, C] -> features [N, 1, F], with its own
 * layer-name prefix (e.g. the posterior encoder of a reconstruction loss, posteriorEncoder.ts).
 */
export function buildVideoTrunk(args: DiscriminatorArgs, prefix: string, name: string): tf.LayersModel {
  const init = (layer: string): Initializer => normalInitializer(args.seed, `${name}/${layer}`);
  const clip = tf.input({ name: `${prefix}_clip`, shape: [args.frames, args.size, args.size, args.channels] });
  return tf.model({ name, inputs: clip, outputs: videoTrunk({ args, prefix, init }, clip) });
}

/**
 * features [N, T', F] -> [N, vocabulary] word logits: each step's final map (a whole clip for the video
 * discriminator, a frame for the frame one, a frame pair for the motion one) averaged over its positions,
 * then one dense layer; the logits averaged over the steps. Averaging over positions makes the reading
 * the same wherever the digit is. Trained on real bouncing-digit frames alone (the small preset's frame
 * trunk, Adam 2e-3, 4 frames of 8 clips a step), the loss from chance (6.0) after 600 steps: 5.08 with a
 * dense layer over the whole map, 4.61 averaged (a perfect digit reader: 2.77).
 */
function wordClassifier(ctx: BuildContext, name: string, steps: number, [mapH, mapW, c]: [number, number, number], vocabulary: number): tf.LayersModel {
  const { args, prefix } = ctx;
  const mapSize = mapH * mapW * c;
  const features = tf.input({ name: `${prefix}_words_features`, shape: [steps, mapSize + (args.minibatchStd ? 1 : 0)] });
  let x: tf.SymbolicTensor = features;
  if (args.minibatchStd) x = new SliceFeatures({ name: `${prefix}_words_map`, begin: 0, size: mapSize }).apply(x) as tf.SymbolicTensor;
  x = new FoldTime({ name: `${prefix}_words_fold` }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ name: `${prefix}_words_positions`, targetShape: [mapH * mapW, c] }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling1d({ name: `${prefix}_words_pool` }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ name: `${prefix}_words_logits`, units: vocabulary, kernelInitializer: ctx.init(`${prefix}_words_logits`) })
    .apply(x) as tf.SymbolicTensor;
  if (steps > 1) {
    x = new UnfoldTime({ name: `${prefix}_words_unfold`, frames: steps }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling1d({ name: `${prefix}_words_mean` }).apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ name, inputs: features, outputs: x });
}

export function buildVideoDiscriminator(args: Omit<DiscriminatorArgs, 'kind'>): Discriminator {
  return buildDiscriminator({ ...args, kind: 'video' });
}

export function buildFrameDiscriminator(args: Omit<DiscriminatorArgs, 'kind'>): Discriminator {
  return buildDiscriminator({ ...args, kind: 'frame' });
}

export function buildMotionDiscriminator(args: Omit<DiscriminatorArgs, 'kind'>): Discriminator {
  return buildDiscriminator({ ...args, kind: 'motion' });
}

/** Disposes the weights of a discriminator (trunk and head hold them all). */
export function disposeDiscriminator(d: Discriminator): void {
  d.model.dispose();
  d.words?.dispose();
}

// ---------------------------------------------------------------------------------------------------

interface BuildContext {
  args: DiscriminatorArgs;
  prefix: string;
  init: (layer: string) => Initializer;
}

/**
 * The head's view of the trunk's features [N, steps, H'·W'·c (+1)]: the final map [N·steps, H', W', c],
 * and with minibatchStd the batch statistic (the last feature) as one more channel over the map.
 */
function headMap(ctx: BuildContext, features: tf.SymbolicTensor, [mapH, mapW, c]: [number, number, number]): { map: tf.SymbolicTensor; batchStd?: tf.SymbolicTensor } {
  const { args, prefix } = ctx;
  const mapSize = mapH * mapW * c;
  let flat: tf.SymbolicTensor = features;
  let batchStd: tf.SymbolicTensor | undefined;
  if (args.minibatchStd) {
    flat = new SliceFeatures({ name: `${prefix}_map_features`, begin: 0, size: mapSize }).apply(features) as tf.SymbolicTensor;
    let stat = new SliceFeatures({ name: `${prefix}_batch_std`, begin: mapSize, size: 1 }).apply(features) as tf.SymbolicTensor;
    stat = new FoldTime({ name: `${prefix}_fold_batch_std` }).apply(stat) as tf.SymbolicTensor;
    batchStd = new RepeatOverMap({ name: `${prefix}_replicate_batch_std`, steps: 1, height: mapH, width: mapW }).apply(stat) as tf.SymbolicTensor;
  }
  let map = new FoldTime({ name: `${prefix}_fold_features` }).apply(flat) as tf.SymbolicTensor;
  map = tf.layers.reshape({ name: `${prefix}_map`, targetShape: [mapH, mapW, c] }).apply(map) as tf.SymbolicTensor;
  return batchStd === undefined ? { map } : { map, batchStd };
}

/**
 * The projection discriminator's head (Miyato & Koyama 2018): logit = ψ(h) + ⟨E s, mean over positions of h⟩,
 * h = LeakyReLU(1x1 conv of the final map) and ψ the whole-map conv to one logit, both sentence-free, E a
 * dense layer (no bias) taking the sentence into h's channels. The caption then enters as an inner product
 * with features that can already read the digit (the word classifiers' warm-up trains the same trunk),
 * rather than through a convolution that must first learn to combine concatenated channels.
 */
function projectionHead(
  ctx: BuildContext,
  name: string,
  steps: number,
  [mapH, mapW, c]: [number, number, number],
  features: tf.SymbolicTensor,
  sentence: tf.SymbolicTensor,
  s: tf.SymbolicTensor,
): tf.LayersModel {
  const { prefix } = ctx;
  const { map, batchStd } = headMap(ctx, features, [mapH, mapW, c]);
  let x = batchStd === undefined ? map : (tf.layers.concatenate({ name: `${prefix}_joint`, axis: -1 }).apply([map, batchStd]) as tf.SymbolicTensor);
  x = conv(ctx, x, { name: `${prefix}_joint_conv`, filters: c, kernelSize: [1, 1], strides: [1, 1], padding: 'valid' });
  x = new ChannelBias({ name: `${prefix}_joint_bias` }).apply(x) as tf.SymbolicTensor;
  const h = leaky(ctx, x, `${prefix}_joint_act`);
  let unconditional = conv(ctx, h, { name: `${prefix}_logit`, filters: 1, kernelSize: [mapH, mapW], strides: [1, 1], padding: 'valid' });
  unconditional = new ChannelBias({ name: `${prefix}_logit_bias` }).apply(unconditional) as tf.SymbolicTensor;
  unconditional = tf.layers.reshape({ name: `${prefix}_logit_flat`, targetShape: [1] }).apply(unconditional) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: `${prefix}_pool` }).apply(h) as tf.SymbolicTensor;
  let embedded = tf.layers.dense({ name: `${prefix}_embed`, units: c, useBias: false, kernelInitializer: ctx.init(`${prefix}_embed`) }).apply(s) as tf.SymbolicTensor;
  embedded = new RepeatOverMap({ name: `${prefix}_replicate`, steps, height: 1, width: 1 }).apply(embedded) as tf.SymbolicTensor;
  embedded = tf.layers.reshape({ name: `${prefix}_embed_flat`, targetShape: [c] }).apply(embedded) as tf.SymbolicTensor;
  const projection = tf.layers.dot({ name: `${prefix}_projection`, axes: 1 }).apply([pooled, embedded]) as tf.SymbolicTensor;
  let logit = tf.layers.add({ name: `${prefix}_logit_sum` }).apply([unconditional, projection]) as tf.SymbolicTensor;
  // [N·steps, 1] -> [N, steps]
  logit = new UnfoldTime({ name: `${prefix}_unfold_logits`, frames: steps }).apply(logit) as tf.SymbolicTensor;
  logit = tf.layers.reshape({ name: `${prefix}_logits`, targetShape: [steps] }).apply(logit) as tf.SymbolicTensor;
  return tf.model({ name, inputs: [features, sentence], outputs: logit });
}

/**
 * A convolution without bias, rank from the kernel: tf.layers' conv2d/conv3d, or with spectralNorm a
 * SpectralConv (the same kernel shape and initialiser, the kernel divided by its largest singular value).
 */
function conv(
  ctx: BuildContext,
  x: tf.SymbolicTensor,
  { name, filters, kernelSize, strides, padding }: { name: string; filters: number; kernelSize: number[]; strides: number[]; padding: 'same' | 'valid' },
): tf.SymbolicTensor {
  const kernelInitializer = ctx.init(name);
  if (ctx.args.spectralNorm) {
    const rank = kernelSize.length as 2 | 3;
    return new SpectralConv({ name, rank, filters, kernelSize, strides, padding, kernelInitializer, seed: deriveSeed(ctx.args.seed, `${name}/u`) }).apply(x) as tf.SymbolicTensor;
  }
  const common = { name, filters, padding, useBias: false, kernelInitializer };
  const layer =
    kernelSize.length === 3
      ? tf.layers.conv3d({ ...common, kernelSize: kernelSize as [number, number, number], strides: strides as [number, number, number] })
      : tf.layers.conv2d({ ...common, kernelSize: kernelSize as [number, number], strides: strides as [number, number] });
  return layer.apply(x) as tf.SymbolicTensor;
}

/** After a trunk stage's convolution: a bias at the first stage (and at every stage with spectralNorm), else batch norm. */
function biasOrNorm(ctx: BuildContext, x: tf.SymbolicTensor, name: string, stage: number): tf.SymbolicTensor {
  if (stage === 0 || ctx.args.spectralNorm) return new ChannelBias({ name: `${name}_bias` }).apply(x) as tf.SymbolicTensor;
  return new BatchNorm({ name: `${name}_bn`, momentum: ctx.args.batchNormMomentum }).apply(x) as tf.SymbolicTensor;
}

function leaky(ctx: BuildContext, x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return new LeakyReLU({ name, alpha: ctx.args.leak }).apply(x) as tf.SymbolicTensor;
}

/** 3D convs down to [N, t, h, w, c], returned as [N, 1, t·h·w·c]. */
function videoTrunk(ctx: BuildContext, clip: tf.SymbolicTensor): tf.SymbolicTensor {
  const { args, prefix } = ctx;
  const stages = args.dChannels.length;
  // Fine to coarse: time halves in the first stages (the generator's doublings, mirrored).
  const strides = timeStrides(args.frames, stages).strides.slice().reverse();
  let x = clip;
  let t = args.frames;
  args.dChannels.forEach((filters, i) => {
    const name = `${prefix}_conv${i + 1}`;
    const st = strides[i]!;
    const kt = st === 2 ? 4 : t === 1 ? 1 : 3;
    x = conv(ctx, x, { name, filters, kernelSize: [kt, 4, 4], strides: [st, 2, 2], padding: 'same' });
    x = biasOrNorm(ctx, x, name, i);
    x = leaky(ctx, x, `${name}_act`);
    t = Math.ceil(t / st);
  });
  const [, tt, h, w, c] = x.shape as number[];
  return tf.layers.reshape({ name: `${prefix}_features`, targetShape: [1, tt! * h! * w! * c!] }).apply(x) as tf.SymbolicTensor;
}

/** Frames folded into the batch, 2D convs, unfolded: [N, T, h·w·c]; motion adds adjacent differences. */
function frameTrunk(ctx: BuildContext, clip: tf.SymbolicTensor): tf.SymbolicTensor {
  const { args, prefix } = ctx;
  let x = new FoldTime({ name: `${prefix}_fold` }).apply(clip) as tf.SymbolicTensor;
  args.dChannels.forEach((filters, i) => {
    const name = `${prefix}_conv${i + 1}`;
    x = conv(ctx, x, { name, filters, kernelSize: [4, 4], strides: [2, 2], padding: 'same' });
    x = biasOrNorm(ctx, x, name, i);
    x = leaky(ctx, x, `${name}_act`);
  });
  const [, h, w, c] = x.shape as number[];
  x = new UnfoldTime({ name: `${prefix}_unfold`, frames: args.frames }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ name: `${prefix}_features`, targetShape: [args.frames, h! * w! * c!] }).apply(x) as tf.SymbolicTensor;
  if (args.kind === 'motion') {
    x = new TemporalDifference({ name: `${prefix}_difference` }).apply(x) as tf.SymbolicTensor;
  }
  return x;
}

/** [H', W', c]: the final feature map of one step (video: its t·h rows stacked). */
function finalMap(args: DiscriminatorArgs): [number, number, number] {
  const stages = args.dChannels.length;
  const side = args.size / 2 ** stages;
  const c = args.dChannels[stages - 1]!;
  if (args.kind !== 'video') return [side, side, c];
  let t = args.frames;
  for (const st of timeStrides(args.frames, stages).strides) t = Math.ceil(t / st);
  return [t * side, side, c];
}

/** (features [N, steps, H'·W'·c], sentence) -> logits [N, steps]. */
function matchingHead(ctx: BuildContext, name: string, steps: number, [mapH, mapW, c]: [number, number, number]): tf.LayersModel {
  const { args, prefix } = ctx;
  const mapSize = mapH * mapW * c;
  const features = tf.input({ name: `${prefix}_head_features`, shape: [steps, mapSize + (args.minibatchStd ? 1 : 0)] });
  const sentence = tf.input({ name: `${prefix}_head_${DISCRIMINATOR_INPUTS[1]}`, shape: [args.sentenceDim] });
  let s: tf.SymbolicTensor = sentence;
  if (args.conditionDim !== undefined) {
    s = tf.layers
      .dense({ name: `${prefix}_condition`, units: args.conditionDim, kernelInitializer: ctx.init(`${prefix}_condition`) })
      .apply(s) as tf.SymbolicTensor;
    s = leaky(ctx, s, `${prefix}_condition_act`);
  }
  if (args.headConditioning === 'projection') return projectionHead(ctx, name, steps, [mapH, mapW, c], features, sentence, s);
  // [N, S] -> [N·steps, H', W', S]
  s = new RepeatOverMap({ name: `${prefix}_replicate`, steps, height: mapH, width: mapW }).apply(s) as tf.SymbolicTensor;
  const { map, batchStd } = headMap(ctx, features, [mapH, mapW, c]);
  let x = tf.layers.concatenate({ name: `${prefix}_joint`, axis: -1 }).apply(batchStd === undefined ? [map, s] : [map, s, batchStd]) as tf.SymbolicTensor;
  x = conv(ctx, x, { name: `${prefix}_joint_conv`, filters: c, kernelSize: [1, 1], strides: [1, 1], padding: 'valid' });
  x = new ChannelBias({ name: `${prefix}_joint_bias` }).apply(x) as tf.SymbolicTensor;
  x = leaky(ctx, x, `${prefix}_joint_act`);
  x = conv(ctx, x, { name: `${prefix}_logit`, filters: 1, kernelSize: [mapH, mapW], strides: [1, 1], padding: 'valid' });
  x = new ChannelBias({ name: `${prefix}_logit_bias` }).apply(x) as tf.SymbolicTensor;
  // [N·steps, 1, 1, 1] -> [N, steps]
  x = new UnfoldTime({ name: `${prefix}_unfold_logits`, frames: steps }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ name: `${prefix}_logits`, targetShape: [steps] }).apply(x) as tf.SymbolicTensor;
  return tf.model({ name, inputs: [features, sentence], outputs: x });
}
