/**
 * The sprite generator (TganArgs.generator 'sprite'): what a clip shows and how it moves come from two
 * separate streams, and a clip is the one drawn sprite moved along the drawn path.
 *
 *   noise [N, noiseDim], sentence [N, sentenceDim]
 *   (conditionDim set) sentence -> dense(conditionDim) -> LeakyReLU               "g_condition"
 *   joint = [z ; c]  (with spriteWordIds / pathWordIds: each stream its own c, "g_sprite_condition" /
 *   "g_path_condition", from only the sentence entries it reads, the others zeroed: "g_…_words")
 *   sprite: joint -> dense(s0·s0·C0, no bias) -> reshape [1, s0, s0, C0]            "g_sprite_project"
 *     (s0 = s / 2^k, k = spriteChannels.length) -> batch norm -> ReLU, then k stages of conv3dTranspose
 *     (kernel [1, 4, 4], strides [1, 2, 2]) to the next entry's channels -> batch norm -> ReLU, the last
 *     to `channels` + bias -> sigmoid (default [128]: 14x14x128 -> 28x28)
 *     -> [N, 1, s, s, C] in [0, 1]                                                  "g_sprite"
 *   path:   joint -> dense(pathHidden) -> LeakyReLU -> dense(2T) -> sigmoid          "g_path"
 *   PlaceSprite(sprite, path) -> [N, T, S, S, C] in [-1, 1]                         "g_out"
 *
 * Why: the 3D-convolution generator draws every (object, motion) pair as its own spatio-temporal pattern,
 * so an object it has only seen moving one way comes out as noise when asked to move the other way. Here
 * the object is drawn once, by a network that never sees time, and moved: an unseen pairing of a known
 * object and a known motion is made of parts the generator has already learned (the factoring of
 * MoCoGAN's content and motion codes, with DRAW/Sync-DRAW's write attention as the renderer). It fits
 * clips of one object moving over a black background (bouncing digits, moving shapes), not general video.
 */
import * as tf from '@tensorflow/tfjs';
import type { TganArgs } from './TganConfig.ts';
import { normalInitializer } from './seeds.ts';
import type { Initializer } from './seeds.ts';
import { BatchNorm, ChannelBias, LeakyReLU } from './fastGradLayers.ts';
import { PlaceSprite } from './PlaceSprite.ts';
import { GENERATOR_INPUTS, generatorInputArgsFrom, jointInput } from './generator.ts';
import type { GeneratorInputArgs } from './generator.ts';

export interface SpriteGeneratorArgs extends GeneratorInputArgs {
  /** Sprite side s (28 for MNIST digits); a multiple of 2^spriteChannels.length, smaller than size. */
  spriteSize: number;
  /** Feature channels of the sprite stack, coarse to fine, one doubling each (as gChannels): the first at s0 = s / 2^length. */
  spriteChannels: number[];
  /** Hidden units of the path network. */
  pathHidden: number;
  /** TganArgs.spriteWordIds / pathWordIds: the sentence entries each stream reads; undefined: all. */
  spriteWordIds?: number[];
  pathWordIds?: number[];
}

/** Sprite pixels start dark: sigmoid(-2) = 0.12, about an MNIST digit's mean pixel. */
const SPRITE_START_BIAS = -2;

export function spriteGeneratorArgsFrom(args: TganArgs): SpriteGeneratorArgs {
  return {
    ...generatorInputArgsFrom(args),
    spriteSize: args.spriteSize ?? 28,
    spriteChannels: [...(args.spriteChannels ?? [128])],
    pathHidden: args.pathHidden ?? 128,
    ...(args.spriteWordIds !== undefined ? { spriteWordIds: [...args.spriteWordIds] } : {}),
    ...(args.pathWordIds !== undefined ? { pathWordIds: [...args.pathWordIds] } : {}),
  };
}

export function buildSpriteGenerator(args: SpriteGeneratorArgs): tf.LayersModel {
  const stages = args.spriteChannels.length;
  const s0 = args.spriteSize / 2 ** stages;
  if (!Number.isInteger(s0)) throw new RangeError(`spriteSize ${args.spriteSize} must be a multiple of ${2 ** stages} (one doubling per spriteChannels entry)`);
  if (!(args.spriteSize < args.size)) throw new RangeError(`spriteSize ${args.spriteSize} must be smaller than size ${args.size}`);
  const init = (name: string): Initializer => normalInitializer(args.seed, `generator/${name}`);
  const bnRelu = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor => {
    const normed = new BatchNorm({ name: `${name}_bn`, momentum: args.batchNormMomentum }).apply(x) as tf.SymbolicTensor;
    return tf.layers.reLU({ name: `${name}_act` }).apply(normed) as tf.SymbolicTensor;
  };

  const noise = tf.input({ name: GENERATOR_INPUTS[0], shape: [args.noiseDim] });
  const sentence = tf.input({ name: GENERATOR_INPUTS[1], shape: [args.sentenceDim] });
  // Each stream's [z ; condition]: one shared, or its own from only the words it reads.
  const jointOf = (stream: string, keep: number[] | undefined): tf.SymbolicTensor =>
    keep === undefined ? jointInput(noise, sentence, args) : jointInput(noise, sentence, args, { prefix: `g_${stream}`, keep });
  const shared = args.spriteWordIds === undefined || args.pathWordIds === undefined ? jointOf('', undefined) : undefined;
  const spriteJoint = args.spriteWordIds === undefined ? shared! : jointOf('sprite', args.spriteWordIds);
  const pathJoint = args.pathWordIds === undefined ? shared! : jointOf('path', args.pathWordIds);

  const c0 = args.spriteChannels[0]!;
  let sprite = tf.layers
    .dense({ name: 'g_sprite_project', units: s0 * s0 * c0, useBias: false, kernelInitializer: init('g_sprite_project') })
    .apply(spriteJoint) as tf.SymbolicTensor;
  sprite = tf.layers.reshape({ name: 'g_sprite_project_reshape', targetShape: [1, s0, s0, c0] }).apply(sprite) as tf.SymbolicTensor;
  sprite = bnRelu(sprite, 'g_sprite_project');
  for (let i = 1; i <= stages; i++) {
    const last = i === stages;
    const name = `g_sprite_up${i}`;
    sprite = tf.layers
      .conv3dTranspose({
        name,
        filters: last ? args.channels : args.spriteChannels[i]!,
        kernelSize: [1, 4, 4],
        strides: [1, 2, 2],
        padding: 'same',
        useBias: false,
        kernelInitializer: init(name),
      })
      .apply(sprite) as tf.SymbolicTensor;
    sprite = last ? sprite : bnRelu(sprite, name);
  }
  sprite = new ChannelBias({ name: 'g_sprite_bias', initialValue: SPRITE_START_BIAS }).apply(sprite) as tf.SymbolicTensor;
  sprite = tf.layers.activation({ name: 'g_sprite', activation: 'sigmoid' }).apply(sprite) as tf.SymbolicTensor;

  let path = tf.layers.dense({ name: 'g_path_hidden', units: args.pathHidden, kernelInitializer: init('g_path_hidden') }).apply(pathJoint) as tf.SymbolicTensor;
  path = new LeakyReLU({ name: 'g_path_hidden_act', alpha: args.leak }).apply(path) as tf.SymbolicTensor;
  path = tf.layers.dense({ name: 'g_path_out', units: 2 * args.frames, kernelInitializer: init('g_path_out') }).apply(path) as tf.SymbolicTensor;
  path = tf.layers.activation({ name: 'g_path', activation: 'sigmoid' }).apply(path) as tf.SymbolicTensor;

  const clip = new PlaceSprite({ name: 'g_out', frames: args.frames, size: args.size }).apply([sprite, path]) as tf.SymbolicTensor;
  return tf.model({ name: args.name ?? 'generator', inputs: [noise, sentence], outputs: clip });
}
