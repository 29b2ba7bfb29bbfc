/**
 * The posterior encoder of TGANs-C's optional reconstruction loss (cVAE-GAN, as in BicycleGAN, Zhu et al.
 * 2017): a real clip -> the mean and log-variance of the noise z that the generator should turn, with the
 * clip's caption, back into that clip.
 *
 *   clip [N, T, H, W, C] -> the video discriminator's trunk design (3D convs, own weights, prefix "pe")
 *     -> [N, F] -> dense(2·noiseDim) -> [mu ; logVariance]
 *
 * Why: a GAN alone tells the generator only "not like this"; the reconstruction tells it what every pixel
 * of a real clip of that caption should be, so it learns to draw the digit in hundreds of steps rather than
 * thousands. The KL term keeps z close to N(0, I), the noise `generate` draws. Training-only: it is
 * checkpointed but not part of the model folder.
 */
import * as tf from '@tensorflow/tfjs';
import type { TganArgs } from './TganConfig.ts';
import { buildVideoTrunk, discriminatorArgsFrom } from './discriminators.ts';
import { normalInitializer } from './seeds.ts';

export const POSTERIOR_ENCODER_NAME = 'posterior';

/** clip -> [N, 2·noiseDim]: z's mean in the first noiseDim columns, its log-variance in the rest. */
export function buildPosteriorEncoder(args: TganArgs): tf.LayersModel {
  const trunkArgs = { ...discriminatorArgsFrom(args, 'video'), minibatchStd: false };
  delete trunkArgs.predictWords;
  const trunk = buildVideoTrunk(trunkArgs, 'pe', `${POSTERIOR_ENCODER_NAME}_trunk`);
  const clip = tf.input({ name: 'pe_input', shape: [args.frames, args.size, args.size, args.channels] });
  let x = trunk.apply(clip) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'pe_flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({
      name: 'pe_moments',
      units: 2 * args.noiseDim,
      // Small initial weights: z starts near the prior's mean with unit-ish variance.
      kernelInitializer: normalInitializer(args.seed ?? 0, `${POSTERIOR_ENCODER_NAME}/pe_moments`),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ name: POSTERIOR_ENCODER_NAME, inputs: clip, outputs: x });
}

/**
 * z = mu + exp(logVariance / 2) · eps and KL(q(z|clip) ‖ N(0, I)) summed over z's dimensions, averaged over
 * the batch. `eps` [N, noiseDim] is standard normal (seeded by the caller).
 */
export function samplePosterior(moments: tf.Tensor2D, eps: tf.Tensor2D): { z: tf.Tensor2D; kl: tf.Scalar } {
  return tf.tidy(() => {
    const d = eps.shape[1];
    const [mu, logVariance] = tf.split(moments, [d, d], 1) as [tf.Tensor2D, tf.Tensor2D];
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVariance, 0.5)), eps)) as tf.Tensor2D;
    const perClip = tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVariance)), tf.add(logVariance, 1)), 1));
    return { z, kl: tf.mean(perClip) as tf.Scalar };
  });
}
