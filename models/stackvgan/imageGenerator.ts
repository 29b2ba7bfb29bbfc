/**
 * StackGAN Stage-I's generator (DCGAN style): a condition vector c (conditioning augmentation's sample)
 * and noise z become one still image.
 *
 *   condition [N, Cd], noise [N, Z] -> concat                                              "i_joint"
 *     -> dense(s0·s0·G0, no bias) -> reshape [s0, s0, G0] -> batch norm -> ReLU            "i_project"
 *     -> per stage i < K-1: conv2dTranspose(G[i+1], 4x4, stride 2, same, no bias) -> BN -> ReLU   "i_up{i+1}"
 *     -> conv2dTranspose(C, 4x4, stride 2, same, no bias) + bias -> tanh  [N, S, S, C]    "i_image"
 *   with K = gChannels.length and s0 = S / 2^K.
 *
 * The conditioning augmentation (models/text/conditioningAugmentation.ts) stays a model of its own:
 * its sample needs seeded noise eps, which the trainer draws per step and generation per video, so the
 * generator takes c rather than the sentence. Kernels are N(0, 0.02), seeded per layer (tganc/seeds.ts);
 * batch norm, bias and activations from tganc/fastGradLayers.ts, so the model saves and loads.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm, ChannelBias } from '../tganc/fastGradLayers.ts';
import { normalInitializer } from '../tganc/seeds.ts';
import { channelList, positiveInteger } from '../../utils/argChecks.ts';

export interface ImageGeneratorArgs {
  size: number;
  channels: number;
  conditionDim: number;
  noiseDim: number;
  /** Coarse to fine, one up-sampling stage each; size must be a multiple of 2^length. */
  gChannels: number[];
  seed: number;
  batchNormMomentum?: number;
  /** The output bias before tanh at initialisation. Default 0. */
  outputBias?: number;
  name?: string;
}

/** Input names, in order. */
export const IMAGE_GENERATOR_INPUTS = ['condition', 'noise'] as const;

export function buildImageGenerator(args: ImageGeneratorArgs): tf.LayersModel {
  for (const field of ['size', 'channels', 'conditionDim', 'noiseDim'] as const) positiveInteger(field, args[field]);
  channelList('gChannels', args.gChannels);
  const stages = args.gChannels.length;
  if (args.size % 2 ** stages !== 0) throw new RangeError(`size must be a multiple of 2^${stages} (one doubling per entry of gChannels), got ${args.size}`);
  const s0 = args.size / 2 ** stages;
  const momentum = args.batchNormMomentum ?? 0.9;
  const init = (layer: string) => normalInitializer(args.seed, `image_generator/${layer}`);
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;

  const condition = tf.input({ name: IMAGE_GENERATOR_INPUTS[0], shape: [args.conditionDim] });
  const noise = tf.input({ name: IMAGE_GENERATOR_INPUTS[1], shape: [args.noiseDim] });
  let x = apply(tf.layers.concatenate({ name: 'i_joint', axis: -1 }), [condition, noise]);
  const g0 = args.gChannels[0]!;
  x = apply(tf.layers.dense({ name: 'i_project', units: s0 * s0 * g0, useBias: false, kernelInitializer: init('i_project') }), x);
  x = apply(tf.layers.reshape({ name: 'i_project_reshape', targetShape: [s0, s0, g0] }), x);
  x = apply(new BatchNorm({ name: 'i_project_bn', momentum }), x);
  x = apply(tf.layers.reLU({ name: 'i_project_act' }), x);
  const up = (name: string, filters: number): tf.layers.Layer =>
    tf.layers.conv2dTranspose({ name, filters, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(name) });
  for (let i = 0; i < stages - 1; i++) {
    const name = `i_up${i + 1}`;
    x = apply(up(name, args.gChannels[i + 1]!), x);
    x = apply(new BatchNorm({ name: `${name}_bn`, momentum }), x);
    x = apply(tf.layers.reLU({ name: `${name}_act` }), x);
  }
  x = apply(up('i_image', args.channels), x);
  x = apply(new ChannelBias({ name: 'i_image_bias', ...(args.outputBias ? { initialValue: args.outputBias } : {}) }), x);
  x = apply(tf.layers.activation({ name: 'i_image_tanh', activation: 'tanh' }), x);
  return tf.model({ name: args.name ?? 'image_generator', inputs: [condition, noise], outputs: x });
}
