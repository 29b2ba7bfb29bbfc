/**
 * TGANs-C generator: [z ; sentence] -> clip.
 *
 *   noise [N, noiseDim], sentence [N, sentenceDim]
 *   (conditionDim set) sentence -> dense(conditionDim) -> LeakyReLU          "g_condition"
 *   concat [z ; c] -> dense(T0·h0·h0·C0, no bias) -> reshape [T0, h0, h0, C0]  "g_project"
 *     -> batch norm -> ReLU
 *   per stage i (C_i = gChannels[i], C_{i+1} = next entry or `channels`):
 *     conv3dTranspose(C_{i+1}, kernel [kt, 4, 4], strides [st, 2, 2], same)  "g_up{i+1}"
 *     st = 2 (kt = 4) while time still has to grow, else st = 1 (kt = 3, or 1 when T = 1)
 *     (upsample 'resize': nearest-neighbour x[st, 2, 2] "g_up{i+1}_resize", then conv3d(C_{i+1},
 *     kernel [kt', 3, 3], stride 1, same) "g_up{i+1}", kt' = 3, or 1 when the clip has 1 frame)
 *     (no bias) -> batch norm -> ReLU, except the last stage: + bias -> tanh ("g_out").
 *   -> [N, frames, size, size, channels] in [-1, 1]
 *
 * tf.layers for dense, reshape, Conv3DTranspose (in tfjs-layers 4.22; its gradient needs
 * registerKernelFixes()), ReLU and tanh; batch norm, the last stage's bias and LeakyReLU come from
 * fastGradLayers.ts (tf.layers.batchNormalization fails on rank 5, and the stock gradients of all three are
 * slow on wasm). Every initialiser is seeded from `seed`, so the same args give bit-identical weights.
 */
import * as tf from '@tensorflow/tfjs';
import { timeStrides, validateTganArgs } from './TganConfig.ts';
import type { TganArgs, TganChannels } from './TganConfig.ts';
import { normalInitializer } from './seeds.ts';
import type { Initializer } from './seeds.ts';
import { BatchNorm, ChannelBias, LeakyReLU } from './fastGradLayers.ts';
import { KeepFeatures, UpsampleNearest } from './videoLayers.ts';

/** What both generators (this one and spriteGenerator.ts) take: the clip, the inputs and their projection. */
export interface GeneratorInputArgs {
  frames: number;
  size: number;
  channels: TganChannels;
  noiseDim: number;
  sentenceDim: number;
  /** Sentence projection size; undefined: the raw sentence is concatenated with z. */
  conditionDim?: number;
  /** LeakyReLU slope of the sentence projection (and of this generator's stages with activation 'leakyRelu'). */
  leak: number;
  seed: number;
  batchNormMomentum: number;
  /** Model name (layer names are fixed: g_…). Default 'generator'. */
  name?: string;
}

export function generatorInputArgsFrom(args: TganArgs): GeneratorInputArgs {
  validateTganArgs(args);
  return {
    frames: args.frames,
    size: args.size,
    channels: args.channels,
    noiseDim: args.noiseDim,
    sentenceDim: args.sentenceDim,
    ...(args.conditionDim !== undefined ? { conditionDim: args.conditionDim } : {}),
    leak: args.leak,
    seed: args.seed ?? 0,
    batchNormMomentum: args.batchNormMomentum ?? 0.9,
  };
}

/**
 * [z ; c]: the sentence (only its `keep` entries when given: "<prefix>_words"), projected when
 * conditionDim is set (dense + LeakyReLU: "<prefix>_condition"), joined to the noise ("<prefix>_joint").
 */
export function jointInput(
  noise: tf.SymbolicTensor,
  sentence: tf.SymbolicTensor,
  args: GeneratorInputArgs,
  options: { prefix?: string; keep?: number[] } = {},
): tf.SymbolicTensor {
  const prefix = options.prefix ?? 'g';
  let condition = sentence;
  if (options.keep !== undefined) condition = new KeepFeatures({ name: `${prefix}_words`, keep: options.keep }).apply(condition) as tf.SymbolicTensor;
  if (args.conditionDim !== undefined) {
    const name = `${prefix}_condition`;
    condition = tf.layers.dense({ name, units: args.conditionDim, kernelInitializer: normalInitializer(args.seed, `generator/${name}`) }).apply(condition) as tf.SymbolicTensor;
    condition = new LeakyReLU({ name: `${name}_act`, alpha: args.leak }).apply(condition) as tf.SymbolicTensor;
  }
  return tf.layers.concatenate({ name: `${prefix}_joint`, axis: -1 }).apply([noise, condition]) as tf.SymbolicTensor;
}

export interface GeneratorArgs extends GeneratorInputArgs {
  /** Feature channels, coarse to fine; one up-sampling stage per entry. */
  gChannels: number[];
  activation: 'relu' | 'leakyRelu';
  /** TganArgs.gUpsample; default 'transposed'. */
  upsample?: 'transposed' | 'resize';
  /** Starting bias of the output before tanh (default 0: mid-grey); see TganArgs.outputBias. */
  outputBias?: number;
}

export function generatorArgsFrom(args: TganArgs): GeneratorArgs {
  return {
    ...generatorInputArgsFrom(args),
    gChannels: [...args.gChannels],
    activation: args.gActivation ?? 'relu',
    ...(args.gUpsample !== undefined ? { upsample: args.gUpsample } : {}),
    ...(args.outputBias !== undefined ? { outputBias: args.outputBias } : {}),
  };
}

/** [T, H, W, C] without the batch axis. */
export type ClipShape = [number, number, number, number];

export interface GeneratorStage {
  name: string;
  input: ClipShape;
  output: ClipShape;
  kernel: [number, number, number];
  strides: [1 | 2, 2, 2];
}

export interface GeneratorPlan {
  /** Shape after the projection of [z ; c]. */
  start: ClipShape;
  stages: GeneratorStage[];
}

/** The shapes every stage of the generator works at (no tensors are created). */
export function generatorPlan(args: GeneratorArgs): GeneratorPlan {
  const stageCount = args.gChannels.length;
  const { startFrames, strides } = timeStrides(args.frames, stageCount);
  const h0 = args.size / 2 ** stageCount;
  const start: ClipShape = [startFrames, h0, h0, args.gChannels[0]!];
  const stages: GeneratorStage[] = [];
  let [t, h] = [startFrames, h0];
  for (let i = 0; i < stageCount; i++) {
    const st = strides[i]!;
    const out = i + 1 < stageCount ? args.gChannels[i + 1]! : args.channels;
    const kt = st === 2 ? 4 : t === 1 ? 1 : 3;
    stages.push({
      name: `g_up${i + 1}`,
      input: [t, h, h, args.gChannels[i]!],
      output: [t * st, h * 2, h * 2, out],
      kernel: [kt, 4, 4],
      strides: [st, 2, 2],
    });
    t *= st;
    h *= 2;
  }
  return { start, stages };
}

/** Input names of the generator, in order. */
export const GENERATOR_INPUTS = ['noise', 'sentence'] as const;

/** Builds the generator: a tf.LayersModel with inputs (noise, sentence) and one [N, T, H, W, C] output. */
export function buildGenerator(args: GeneratorArgs): tf.LayersModel {
  const plan = generatorPlan(args);
  const init = (name: string): Initializer => normalInitializer(args.seed, `generator/${name}`);
  const bn = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    new BatchNorm({ name, momentum: args.batchNormMomentum }).apply(x) as tf.SymbolicTensor;
  const act = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    (args.activation === 'relu'
      ? tf.layers.reLU({ name })
      : new LeakyReLU({ name, alpha: args.leak })
    ).apply(x) as tf.SymbolicTensor;

  const noise = tf.input({ name: GENERATOR_INPUTS[0], shape: [args.noiseDim] });
  const sentence = tf.input({ name: GENERATOR_INPUTS[1], shape: [args.sentenceDim] });
  let x = jointInput(noise, sentence, args);
  const [t0, h0, w0, c0] = plan.start;
  x = tf.layers
    .dense({ name: 'g_project', units: t0 * h0 * w0 * c0, useBias: false, kernelInitializer: init('g_project') })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ name: 'g_project_reshape', targetShape: plan.start }).apply(x) as tf.SymbolicTensor;
  x = bn(x, 'g_project_bn');
  x = act(x, 'g_project_act');

  plan.stages.forEach((stage, i) => {
    const last = i === plan.stages.length - 1;
    if (args.upsample === 'resize') {
      x = new UpsampleNearest({ name: `${stage.name}_resize`, factors: stage.strides }).apply(x) as tf.SymbolicTensor;
      x = tf.layers
        .conv3d({
          name: stage.name,
          filters: stage.output[3],
          kernelSize: [stage.output[0] === 1 ? 1 : 3, 3, 3],
          strides: 1,
          padding: 'same',
          useBias: false,
          kernelInitializer: init(stage.name),
        })
        .apply(x) as tf.SymbolicTensor;
    } else {
      x = tf.layers
        .conv3dTranspose({
          name: stage.name,
          filters: stage.output[3],
          kernelSize: stage.kernel,
          strides: stage.strides,
          padding: 'same',
          useBias: false,
          kernelInitializer: init(stage.name),
        })
        .apply(x) as tf.SymbolicTensor;
    }
    if (last) {
      x = new ChannelBias({ name: `${stage.name}_bias`, ...(args.outputBias !== undefined ? { initialValue: args.outputBias } : {}) }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.activation({ name: 'g_out', activation: 'tanh' }).apply(x) as tf.SymbolicTensor;
    } else {
      x = bn(x, `${stage.name}_bn`);
      x = act(x, `${stage.name}_act`);
    }
  });
  return tf.model({ name: args.name ?? 'generator', inputs: [noise, sentence], outputs: x });
}
