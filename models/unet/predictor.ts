/**
 * The text-conditioned U-Net next-frame predictor: (last d frames, sentence) -> the next frame.
 *
 *   frames [N, d, H, W, C] in [-1, 1], sentence [N, sentenceDim]
 *   encoder, per stage i = 1..L (c_i = encoderChannels[i-1]):
 *     conv3d(c_i, kernel [kt, 4, 4], strides [1, 2, 2], same)                         "u_enc{i}"
 *     kt = min(3, d); time keeps its d steps; + bias (stage 1) or batch norm (others) -> LeakyReLU
 *     -> e_i [N, d, H/2^i, W/2^i, c_i]
 *   time collapsed at every level: conv3d(c_i, kernel [d, 1, 1], valid), no bias, linear  "u_skip{i}"
 *     -> s_i [N, H/2^i, W/2^i, c_i]
 *   bottleneck (network in network) on s_L: the sentence (projected by dense + LeakyReLU when
 *     conditionDim is set, "u_condition") replicated over the map and concatenated along channels
 *     ("u_joint"), then per entry b_k of bottleneckChannels a 1x1 conv + bias + LeakyReLU      "u_nin{k}"
 *   decoder, per stage i = L..1 (from level i to level i-1):
 *     conv2dTranspose(c_{i-1}, or C at i = 1; kernel 4, stride 2, same), no bias           "u_dec{i}"
 *     i > 1: batch norm -> ReLU -> concatenated with the skip s_{i-1}                      "u_dec{i}_skip"
 *     i = 1: + bias (outputBias) -> tanh                                                   "u_out"
 *   -> next frame [N, H, W, C] in [-1, 1]
 *
 * Collapsing time with a convolution whose kernel spans the whole window (rather than a transpose and a
 * reshape of time into channels) keeps every op rank-5 convolution or plain reshape: no rank-5 slice,
 * tile or transpose, which are slow on wasm. Batch norm, biases and LeakyReLU come from
 * models/tganc/fastGradLayers.ts (tf.layers.batchNormalization fails on rank 5), the sentence
 * replication from models/tganc/videoLayers.ts; every initialiser is seeded from `seed` and the layer's
 * name, so the same args give bit-identical weights.
 */
import * as tf from '@tensorflow/tfjs';
import { validateUnetArgs } from './UnetConfig.ts';
import type { UnetArgs, UnetChannels } from './UnetConfig.ts';
import { normalInitializer } from '../tganc/seeds.ts';
import type { Initializer } from '../tganc/seeds.ts';
import { BatchNorm, ChannelBias, LeakyReLU } from '../tganc/fastGradLayers.ts';
import { RepeatOverMap } from '../tganc/videoLayers.ts';

export interface PredictorArgs {
  frames: number;
  size: number;
  channels: UnetChannels;
  sentenceDim: number;
  conditionDim?: number;
  encoderChannels: number[];
  bottleneckChannels: number[];
  leak: number;
  seed: number;
  batchNormMomentum: number;
  outputBias?: number;
  /** Model name (layer names are fixed: u_…). Default 'predictor'. */
  name?: string;
}

export function predictorArgsFrom(args: UnetArgs): PredictorArgs {
  validateUnetArgs(args);
  return {
    frames: args.frames,
    size: args.size,
    channels: args.channels,
    sentenceDim: args.sentenceDim,
    ...(args.conditionDim !== undefined ? { conditionDim: args.conditionDim } : {}),
    encoderChannels: [...args.encoderChannels],
    bottleneckChannels: [...args.bottleneckChannels],
    leak: args.leak,
    seed: args.seed ?? 0,
    batchNormMomentum: args.batchNormMomentum ?? 0.9,
    ...(args.outputBias !== undefined ? { outputBias: args.outputBias } : {}),
  };
}

/** [H, W, C] of one level's time-collapsed map (no batch axis). */
export type MapShape = [number, number, number];

export interface PredictorPlan {
  /** Encoder outputs [d, h, w, c] per level, fine to coarse. */
  encoder: [number, number, number, number][];
  /** Skip maps (time collapsed) per level, fine to coarse; the last one feeds the bottleneck. */
  skips: MapShape[];
  /** The bottleneck's output map. */
  bottleneck: MapShape;
  /** Decoder outputs, coarse to fine (before the skip is joined); the last is the frame. */
  decoder: MapShape[];
}

/** The shapes every stage of the predictor works at (no tensors are created). */
export function predictorPlan(args: PredictorArgs): PredictorPlan {
  const levels = args.encoderChannels.length;
  const encoder: [number, number, number, number][] = [];
  const skips: MapShape[] = [];
  for (let i = 1; i <= levels; i++) {
    const side = args.size / 2 ** i;
    const c = args.encoderChannels[i - 1]!;
    encoder.push([args.frames, side, side, c]);
    skips.push([side, side, c]);
  }
  const coarse = args.size / 2 ** levels;
  const bottleneck: MapShape = [coarse, coarse, args.bottleneckChannels[args.bottleneckChannels.length - 1]!];
  const decoder: MapShape[] = [];
  for (let i = levels; i >= 1; i--) {
    const side = args.size / 2 ** (i - 1);
    decoder.push([side, side, i > 1 ? args.encoderChannels[i - 2]! : args.channels]);
  }
  return { encoder, skips, bottleneck, decoder };
}

/** Input names of the predictor, in order. */
export const PREDICTOR_INPUTS = ['frames', 'sentence'] as const;

/** Builds the predictor: a tf.LayersModel with inputs (frames, sentence) and one [N, H, W, C] output. */
export function buildPredictor(args: PredictorArgs): tf.LayersModel {
  const plan = predictorPlan(args);
  const levels = args.encoderChannels.length;
  const init = (name: string): Initializer => normalInitializer(args.seed, `${args.name ?? 'predictor'}/${name}`);
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;
  const leaky = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor => apply(new LeakyReLU({ name, alpha: args.leak }), x);

  const frames = tf.input({ name: PREDICTOR_INPUTS[0], shape: [args.frames, args.size, args.size, args.channels] });
  const sentence = tf.input({ name: PREDICTOR_INPUTS[1], shape: [args.sentenceDim] });

  // Encoder: stride 2 in space, time kept; every level's features collapsed over time for the decoder.
  const skips: tf.SymbolicTensor[] = [];
  let x: tf.SymbolicTensor = frames;
  const kt = Math.min(3, args.frames);
  for (let i = 1; i <= levels; i++) {
    const name = `u_enc${i}`;
    const filters = args.encoderChannels[i - 1]!;
    x = apply(
      tf.layers.conv3d({ name, filters, kernelSize: [kt, 4, 4], strides: [1, 2, 2], padding: 'same', useBias: false, kernelInitializer: init(name) }),
      x,
    );
    x = i === 1 ? apply(new ChannelBias({ name: `${name}_bias` }), x) : apply(new BatchNorm({ name: `${name}_bn`, momentum: args.batchNormMomentum }), x);
    x = leaky(x, `${name}_act`);
    const skipName = `u_skip${i}`;
    let s = apply(
      tf.layers.conv3d({ name: skipName, filters, kernelSize: [args.frames, 1, 1], padding: 'valid', useBias: false, kernelInitializer: init(skipName) }),
      x,
    );
    s = apply(tf.layers.reshape({ name: `${skipName}_flat`, targetShape: plan.skips[i - 1]! }), s);
    skips.push(s);
  }

  // Bottleneck: the sentence joins every position of the coarsest map; 1x1 convs mix them.
  const [coarseH, coarseW] = plan.skips[levels - 1]!;
  let condition: tf.SymbolicTensor = sentence;
  if (args.conditionDim !== undefined) {
    condition = apply(tf.layers.dense({ name: 'u_condition', units: args.conditionDim, kernelInitializer: init('u_condition') }), condition);
    condition = leaky(condition, 'u_condition_act');
  }
  condition = apply(new RepeatOverMap({ name: 'u_replicate', steps: 1, height: coarseH, width: coarseW }), condition);
  x = apply(tf.layers.concatenate({ name: 'u_joint', axis: -1 }), [skips[levels - 1]!, condition]);
  args.bottleneckChannels.forEach((filters, k) => {
    const name = `u_nin${k + 1}`;
    x = apply(tf.layers.conv2d({ name, filters, kernelSize: 1, useBias: false, kernelInitializer: init(name) }), x);
    x = apply(new ChannelBias({ name: `${name}_bias` }), x);
    x = leaky(x, `${name}_act`);
  });

  // Decoder: up-sample, join the skip of the level reached.
  for (let i = levels; i >= 1; i--) {
    const name = `u_dec${i}`;
    const filters = plan.decoder[levels - i]![2];
    x = apply(
      tf.layers.conv2dTranspose({ name, filters, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(name) }),
      x,
    );
    if (i > 1) {
      x = apply(new BatchNorm({ name: `${name}_bn`, momentum: args.batchNormMomentum }), x);
      x = apply(tf.layers.reLU({ name: `${name}_act` }), x);
      x = apply(tf.layers.concatenate({ name: `${name}_skip`, axis: -1 }), [x, skips[i - 2]!]);
    } else {
      x = apply(new ChannelBias({ name: `${name}_bias`, ...(args.outputBias !== undefined ? { initialValue: args.outputBias } : {}) }), x);
      x = apply(tf.layers.activation({ name: 'u_out', activation: 'tanh' }), x);
    }
  }
  return tf.model({ name: args.name ?? 'predictor', inputs: [frames, sentence], outputs: x });
}
