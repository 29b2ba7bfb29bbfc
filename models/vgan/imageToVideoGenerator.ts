/**
 * The second stage of "text -> image -> video": a VGAN-style generator (Vondrick et al. 2016, two
 * streams) that animates a still image (the Stage-I StackGAN sample) under a sentence.
 *
 *   image [N, S, S, C] (in [-1, 1]), sentence [N, D], noise [N, Z]
 *   image -> per stage i: conv2d(encoderChannels[i], 4x4, stride 2, same, no bias)       "v_enc{i+1}"
 *            -> batch norm (not after the first stage, DCGAN style) -> LeakyReLU(leak)
 *         -> the code [S/2^E, S/2^E, encoderChannels[E-1]] -> flatten                    "v_code"
 *   concat [code ; sentence ; noise]                                                       "v_joint"
 *     -> dense(T0·s0·s0·G0, no bias) -> reshape [T0, s0, s0, G0] -> batch norm -> ReLU    "v_project"
 *     -> per stage i < K-1: conv3dTranspose(gChannels[i+1], [kt, 4, 4], [st, 2, 2], same, no bias)
 *        -> batch norm -> ReLU                                                           "v_up{i+1}"
 *     -> the last stage forks in two heads from the same features (K = gChannels.length, s0 = S/2^K):
 *        foreground: conv3dTranspose(C) + bias -> tanh      [N, T, S, S, C]              "v_foreground"
 *        mask:       conv3dTranspose(1) + bias -> sigmoid   [N, T, S, S, 1]              "v_mask"
 *   background = the input image itself, repeated over time (not a generated stream: the first frame the
 *   user saw is kept wherever the mask is 0, and the mask penalty favours that)
 *   video = mask·foreground + (1 - mask)·image   (maskComposition.ts)                    "v_video"
 *
 * The time strides follow the TGANs-C generator (TganConfig.ts `timeStrides`): stride 2 (kernel 4) in
 * the last stages while T still has to double, stride 1 before (kernel 3, or 1 while T = 1).
 *
 * Outputs, in order: video [N, T, S, S, C], foreground [N, T, S, S, C], mask [N, T, S, S, 1] (the trainer
 * needs the mask for the L1 penalty, `maskL1Penalty`).
 *
 * Built with the tf.layers functional API from stock layers (conv2d, dense, reshape, conv3dTranspose —
 * its gradient needs registerKernelFixes() — ReLU, activations) and this project's custom layers
 * (BatchNorm, ChannelBias, LeakyReLU from tganc/fastGradLayers.ts, MaskComposition), all registered with
 * tf.serialization, so the model saves and loads in the tfjs layers format. Every kernel is initialised
 * N(0, 0.02) with its own seed derived from `seed` and the layer name (tganc/seeds.ts), so the same args
 * give bit-identical weights.
 */
import * as tf from '@tensorflow/tfjs';
import { timeStrides } from '../tganc/TganConfig.ts';
import { BatchNorm, ChannelBias, LeakyReLU } from '../tganc/fastGradLayers.ts';
import { normalInitializer } from '../tganc/seeds.ts';
import type { Initializer } from '../tganc/seeds.ts';
import { MaskComposition } from './maskComposition.ts';

export interface ImageToVideoArgs {
  /** Frames T of the generated clip. */
  frames: number;
  /** Height = width S of the image and of the frames. A multiple of 2^encoderChannels.length and of 2^gChannels.length. */
  size: number;
  /** Channels C of the image and of the frames (1 or 3 in practice). */
  channels: number;
  /** Length D of the sentence vector. */
  sentenceDim: number;
  /** Length Z of the noise vector. */
  noiseDim: number;
  /** Image encoder feature channels, fine to coarse: one stride-2 conv2d each, e.g. [32, 64, 128]. */
  encoderChannels: number[];
  /** Video stream feature channels, coarse to fine, e.g. [256, 128, 64]: one up-sampling stage each (the last makes the two heads). */
  gChannels: number[];
  /** Slope of the encoder's LeakyReLUs. Default 0.2. */
  leak?: number;
  /** Momentum of every batch norm's moving statistics. Default 0.9. */
  batchNormMomentum?: number;
  /** Starting bias of the mask before the sigmoid. Default 0 (mask 0.5). Very negative: the video starts as the still image. */
  maskBias?: number;
  /** Seeds every initial weight. Default 0. */
  seed?: number;
  /** Model name (layer names are fixed: v_…). Default 'image_to_video'. */
  name?: string;
}

export type ResolvedImageToVideoArgs = Required<ImageToVideoArgs>;

/** Input names of the model, in order. */
export const IMAGE_TO_VIDEO_INPUTS = ['image', 'sentence', 'noise'] as const;

/** Kept in the model's userDefinedMetadata (saved in model.json) under this key. */
export const IMAGE_TO_VIDEO_METADATA_KEY = 'imageToVideo';

function positiveInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`ImageToVideoArgs.${field} must be a positive integer, got ${String(value)}`);
  }
}

function channelList(field: string, list: unknown): void {
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)) {
    throw new RangeError(`ImageToVideoArgs.${field} must be a non-empty array of positive integers, got ${JSON.stringify(list)}`);
  }
}

/** Fills in the defaults and checks every field; a RangeError names the first bad one. */
export function validateImageToVideoArgs(args: ImageToVideoArgs): ResolvedImageToVideoArgs {
  for (const field of ['frames', 'size', 'channels', 'sentenceDim', 'noiseDim'] as const) positiveInteger(field, args[field]);
  channelList('encoderChannels', args.encoderChannels);
  channelList('gChannels', args.gChannels);
  for (const [field, stages] of [['encoderChannels', args.encoderChannels.length], ['gChannels', args.gChannels.length]] as const) {
    if (args.size % 2 ** stages !== 0) {
      throw new RangeError(`ImageToVideoArgs.size (${args.size}) must be a multiple of 2^${stages} (one halving per entry of ${field})`);
    }
  }
  const leak = args.leak ?? 0.2;
  if (!(leak >= 0 && leak < 1)) throw new RangeError(`ImageToVideoArgs.leak must be in [0, 1), got ${leak}`);
  const batchNormMomentum = args.batchNormMomentum ?? 0.9;
  if (!(batchNormMomentum >= 0 && batchNormMomentum < 1)) {
    throw new RangeError(`ImageToVideoArgs.batchNormMomentum must be in [0, 1), got ${batchNormMomentum}`);
  }
  const maskBias = args.maskBias ?? 0;
  if (!Number.isFinite(maskBias)) throw new RangeError(`ImageToVideoArgs.maskBias must be a finite number, got ${maskBias}`);
  const seed = args.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`ImageToVideoArgs.seed must be an integer, got ${seed}`);
  const name = args.name ?? 'image_to_video';
  if (typeof name !== 'string' || name.length === 0) throw new RangeError(`ImageToVideoArgs.name must be a non-empty string, got ${String(name)}`);
  return {
    frames: args.frames,
    size: args.size,
    channels: args.channels,
    sentenceDim: args.sentenceDim,
    noiseDim: args.noiseDim,
    encoderChannels: [...args.encoderChannels],
    gChannels: [...args.gChannels],
    leak,
    batchNormMomentum,
    maskBias,
    seed,
    name,
  };
}

/** [T, H, W, C] or [H, W, C] without the batch axis. */
export type FeatureShape = number[];

export interface ImageToVideoStage {
  name: string;
  input: FeatureShape;
  output: FeatureShape;
  kernel: number[];
  strides: number[];
}

export interface ImageToVideoPlan {
  /** The 2D encoder stages; the last one's output is the code. */
  encoder: ImageToVideoStage[];
  /** The code's length after flattening. */
  codeSize: number;
  /** Shape after the projection of [code ; sentence ; noise]: [T0, s0, s0, gChannels[0]]. */
  start: FeatureShape;
  /** The 3D up-sampling stages; the last one is the heads' (output given for the foreground; the mask has 1 channel). */
  stages: ImageToVideoStage[];
}

/** The shapes every stage works at (no tensors are created). */
export function imageToVideoPlan(input: ImageToVideoArgs): ImageToVideoPlan {
  const args = validateImageToVideoArgs(input);
  const encoder: ImageToVideoStage[] = [];
  let s = args.size;
  let c = args.channels;
  args.encoderChannels.forEach((out, i) => {
    encoder.push({ name: `v_enc${i + 1}`, input: [s, s, c], output: [s / 2, s / 2, out], kernel: [4, 4], strides: [2, 2] });
    s /= 2;
    c = out;
  });
  const stageCount = args.gChannels.length;
  const { startFrames, strides } = timeStrides(args.frames, stageCount);
  const s0 = args.size / 2 ** stageCount;
  const start = [startFrames, s0, s0, args.gChannels[0]!];
  const stages: ImageToVideoStage[] = [];
  let [t, h] = [startFrames, s0];
  for (let i = 0; i < stageCount; i++) {
    const st = strides[i]!;
    const last = i === stageCount - 1;
    const out = last ? args.channels : args.gChannels[i + 1]!;
    const kt = st === 2 ? 4 : t === 1 ? 1 : 3;
    stages.push({
      name: last ? 'v_heads' : `v_up${i + 1}`,
      input: [t, h, h, args.gChannels[i]!],
      output: [t * st, h * 2, h * 2, out],
      kernel: [kt, 4, 4],
      strides: [st, 2, 2],
    });
    t *= st;
    h *= 2;
  }
  return { encoder, codeSize: s * s * c, start, stages };
}

/**
 * Builds the generator: inputs (image [N, S, S, C], sentence [N, D], noise [N, Z]), outputs
 * [video, foreground, mask]. Apply with `{training: true}` while training (batch statistics).
 */
export function buildImageToVideoGenerator(input: ImageToVideoArgs): tf.LayersModel {
  const args = validateImageToVideoArgs(input);
  const plan = imageToVideoPlan(args);
  const init = (name: string): Initializer => normalInitializer(args.seed, `image_to_video/${name}`);
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor => apply(new BatchNorm({ name, momentum: args.batchNormMomentum }), x);

  const image = tf.input({ name: IMAGE_TO_VIDEO_INPUTS[0], shape: [args.size, args.size, args.channels] });
  const sentence = tf.input({ name: IMAGE_TO_VIDEO_INPUTS[1], shape: [args.sentenceDim] });
  const noise = tf.input({ name: IMAGE_TO_VIDEO_INPUTS[2], shape: [args.noiseDim] });

  let x: tf.SymbolicTensor = image;
  plan.encoder.forEach((stage, i) => {
    x = apply(
      tf.layers.conv2d({
        name: stage.name,
        filters: stage.output[2]!,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(stage.name),
      }),
      x,
    );
    if (i > 0) x = bn(x, `${stage.name}_bn`);
    x = apply(new LeakyReLU({ name: `${stage.name}_act`, alpha: args.leak }), x);
  });
  const code = apply(tf.layers.flatten({ name: 'v_code' }), x);
  x = apply(tf.layers.concatenate({ name: 'v_joint', axis: -1 }), [code, sentence, noise]);
  const [t0, h0, w0, c0] = plan.start as [number, number, number, number];
  x = apply(tf.layers.dense({ name: 'v_project', units: t0 * h0 * w0 * c0, useBias: false, kernelInitializer: init('v_project') }), x);
  x = apply(tf.layers.reshape({ name: 'v_project_reshape', targetShape: plan.start }), x);
  x = bn(x, 'v_project_bn');
  x = apply(tf.layers.reLU({ name: 'v_project_act' }), x);

  const upsample = (from: tf.SymbolicTensor, name: string, filters: number, stage: ImageToVideoStage): tf.SymbolicTensor =>
    apply(
      tf.layers.conv3dTranspose({
        name,
        filters,
        kernelSize: stage.kernel,
        strides: stage.strides,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(name),
      }),
      from,
    );
  const heads = plan.stages.at(-1)!;
  for (const stage of plan.stages.slice(0, -1)) {
    x = upsample(x, stage.name, stage.output[3]!, stage);
    x = bn(x, `${stage.name}_bn`);
    x = apply(tf.layers.reLU({ name: `${stage.name}_act` }), x);
  }
  let foreground = upsample(x, 'v_foreground', args.channels, heads);
  foreground = apply(new ChannelBias({ name: 'v_foreground_bias' }), foreground);
  foreground = apply(tf.layers.activation({ name: 'v_foreground_tanh', activation: 'tanh' }), foreground);
  let mask = upsample(x, 'v_mask', 1, heads);
  mask = apply(new ChannelBias({ name: 'v_mask_bias', ...(args.maskBias !== 0 ? { initialValue: args.maskBias } : {}) }), mask);
  mask = apply(tf.layers.activation({ name: 'v_mask_sigmoid', activation: 'sigmoid' }), mask);
  const video = apply(new MaskComposition({ name: 'v_video' }), [foreground, mask, image]);

  const model = tf.model({ name: args.name, inputs: [image, sentence, noise], outputs: [video, foreground, mask] });
  model.setUserDefinedMetadata({ [IMAGE_TO_VIDEO_METADATA_KEY]: { ...args } });
  return model;
}

/** The outputs of one application, by name. */
export type ImageToVideoOutputs = { video: tf.Tensor5D; foreground: tf.Tensor5D; mask: tf.Tensor5D };

/** Runs the generator (differentiable; use inside tf.variableGrads) and names its three outputs. */
export function generateFromImage(
  model: tf.LayersModel,
  image: tf.Tensor4D,
  sentence: tf.Tensor2D,
  noise: tf.Tensor2D,
  training = false,
): ImageToVideoOutputs {
  const [video, foreground, mask] = model.apply([image, sentence, noise], { training }) as tf.Tensor5D[];
  return { video: video!, foreground: foreground!, mask: mask! };
}
