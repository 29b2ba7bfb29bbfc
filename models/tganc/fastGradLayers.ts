/**
 * Layers with hand-written gradients built from ops the tfjs wasm backend runs fast.
 *
 * Measured on wasm (tfjs 4.22, one [36864, 32] activation = a [8, 8, 24, 24, 32] map): a plain matMul
 * ones[1, M]·x 0.4 ms, but tf.sum over the outer axes of the rank-5 view 363 ms (it transposes first),
 * tf.tile 320 ms for a map this size, tf.moments 56 ms, tf.leakyRelu 20 ms but tf.relu 2-3 ms, tf.greater
 * 26 ms and tf.where 40 ms but tf.step 1.2 ms (timings on a loaded machine; the ratios are what matter). tfjs's own gradients of batchNorm (tile + moments), of a
 * broadcast bias add (sum over outer axes) and of leakyRelu (greater + where) use the slow ones, so these
 * layers replace them:
 *
 * - BatchNorm:   per-channel batch normalisation over every axis but the last, any rank (tf.layers'
 *                BatchNormalization fails on rank 5);
 * - ChannelBias: a per-channel bias (convolutions are built with useBias: false and followed by this);
 * - LeakyReLU:   forward x + (1 - alpha)·relu(-x), gradient dy·(alpha + (1 - alpha)·step(x)).
 *
 * Every per-channel sum is a matMul with a row of ones over the [M, C] view of the activation. All three are
 * registered with tf.serialization, so models using them save and load.
 */
import * as tf from '@tensorflow/tfjs';
import { single, singleShape } from './videoLayers.ts';
import type { LayerArgs, Shape } from './videoLayers.ts';

/** [M, C] -> [C]: the sum over rows, as ones[1, M]·t. */
export function channelSum(t: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, t.shape[0]]), t), [t.shape[1]]) as tf.Tensor1D);
}

/** x viewed as [M, C] with C the last axis. */
function rows(x: tf.Tensor): tf.Tensor2D {
  const c = x.shape[x.rank - 1]!;
  return tf.reshape(x, [x.size / c, c]);
}

function channelsOf(inputShape: Shape | Shape[], who: string): number {
  const shape = singleShape(inputShape);
  const c = shape[shape.length - 1];
  if (shape.length < 2 || c == null) throw new Error(`${who} needs rank >= 2 with known channels, got [${shape.join(', ')}]`);
  return c;
}

// ---------------------------------------------------------------------------------------------------

export interface BatchNormArgs extends LayerArgs {
  /** Moving statistics: new = momentum · old + (1 - momentum) · batch. Default 0.9. */
  momentum?: number;
  /** Added to the variance. Default 1e-3 (tf.layers' default). */
  epsilon?: number;
}

/**
 * y = gamma · (x - mean) / sqrt(var + epsilon) + beta, per channel (last axis). Training mode normalises with
 * the batch's mean and biased variance over all other axes and updates the moving statistics (as
 * tf.layers.batchNormalization does); inference mode uses the moving statistics. Weights, in order:
 * gamma, beta, moving_mean, moving_variance.
 *
 * Gradient, x viewed as [M, C], xhat the normalised input, g = dL/dy, inv = 1 / sqrt(var + epsilon):
 *   dbeta = Σ_m g,  dgamma = Σ_m g·xhat,  dx = gamma·inv·(g - dbeta/M - xhat·dgamma/M).
 */
export class BatchNorm extends tf.layers.Layer {
  static className = 'TganBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  private movingMean: tf.LayerVariable | null = null;
  private movingVariance: tf.LayerVariable | null = null;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError(`BatchNorm: momentum must be in [0, 1), got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new RangeError(`BatchNorm: epsilon must be > 0, got ${this.epsilon}`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = channelsOf(inputShape, `${this.name}: BatchNorm`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const x2 = rows(x);
      const gamma = this.gamma!.read() as tf.Tensor1D;
      const beta = this.beta!.read() as tf.Tensor1D;
      if (kwargs['training'] !== true) {
        const inv = tf.rsqrt(tf.add(this.movingVariance!.read(), this.epsilon));
        const scale = tf.mul(gamma, inv);
        const shift = tf.sub(beta, tf.mul(this.movingMean!.read(), scale));
        return tf.reshape(tf.add(tf.mul(x2, scale), shift), x.shape);
      }
      const m = x2.shape[0];
      const epsilon = this.epsilon;
      let batchMean: tf.Tensor1D | undefined;
      let batchVariance: tf.Tensor1D | undefined;
      const normalise = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [xs, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
        const mean = tf.div(channelSum(xs), m) as tf.Tensor1D;
        const centred = tf.sub(xs, mean) as tf.Tensor2D;
        const variance = tf.div(channelSum(tf.square(centred)), m) as tf.Tensor1D;
        batchMean = tf.keep(mean);
        batchVariance = tf.keep(variance);
        const inv = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
        save([centred, inv, g]);
        return {
          value: tf.add(tf.mul(centred, tf.mul(g, inv)), b),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [centredSaved, invSaved, gammaSaved] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
            const g2 = dy as tf.Tensor2D;
            const xhat = tf.mul(centredSaved, invSaved) as tf.Tensor2D;
            const dBeta = channelSum(g2);
            const dGamma = channelSum(tf.mul(g2, xhat) as tf.Tensor2D);
            const centredGrad = tf.sub(tf.sub(g2, tf.div(dBeta, m)), tf.mul(xhat, tf.div(dGamma, m)));
            return [tf.mul(centredGrad, tf.mul(gammaSaved, invSaved)), dGamma, dBeta];
          },
        };
      });
      try {
        const y = normalise(x2, gamma, beta) as tf.Tensor;
        const mo = this.momentum;
        tf.tidy(() => {
          this.movingMean!.write(tf.add(tf.mul(this.movingMean!.read(), mo), tf.mul(batchMean!, 1 - mo)));
          this.movingVariance!.write(tf.add(tf.mul(this.movingVariance!.read(), mo), tf.mul(batchVariance!, 1 - mo)));
        });
        return tf.reshape(y, x.shape);
      } finally {
        tf.dispose([batchMean, batchVariance].filter((t): t is tf.Tensor1D => t !== undefined));
      }
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

// ---------------------------------------------------------------------------------------------------

/** y = x + bias over the last axis, any rank; dbias = Σ_m dy as a matMul. Weight: bias [C], zeros at first. */
export class ChannelBias extends tf.layers.Layer {
  static className = 'TganChannelBias';
  /** The bias every channel starts from (default 0). */
  readonly initialValue: number;
  private bias: tf.LayerVariable | null = null;

  constructor(args: LayerArgs & { initialValue?: number } = {}) {
    super(args);
    this.initialValue = args.initialValue ?? 0;
    if (!Number.isFinite(this.initialValue)) throw new RangeError(`ChannelBias: initialValue must be finite, got ${this.initialValue}`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = channelsOf(inputShape, `${this.name}: ChannelBias`);
    const init = this.initialValue === 0 ? tf.initializers.zeros() : tf.initializers.constant({ value: this.initialValue });
    this.bias = this.addWeight('bias', [c], 'float32', init);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const addBias = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [xs, b] = args as [tf.Tensor2D, tf.Tensor1D];
        return {
          value: tf.add(xs, b),
          gradFunc: (dy: tf.Tensor) => [dy, channelSum(dy as tf.Tensor2D)],
        };
      });
      return tf.reshape(addBias(rows(x), this.bias!.read()) as tf.Tensor, x.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Only a non-zero start is recorded, so models saved before the option existed load unchanged.
    return { ...super.getConfig(), ...(this.initialValue !== 0 ? { initialValue: this.initialValue } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------------

export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for negative inputs, in [0, 1). Default 0.2. */
  alpha?: number;
}

/** y = x for x > 0, alpha·x otherwise; dx = dy·(alpha + (1 - alpha)·step(x)) (alpha at x = 0, as tfjs). */
export class LeakyReLU extends tf.layers.Layer {
  static className = 'TganLeakyReLU';
  readonly alpha: number;

  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 0.2;
    if (!(this.alpha >= 0 && this.alpha < 1)) throw new RangeError(`LeakyReLU: alpha must be in [0, 1), got ${this.alpha}`);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const alpha = this.alpha;
    const leaky = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([x]);
      return {
        // x + (1 - alpha)·relu(-x): exact for x >= 0; tf.leakyRelu and tf.prelu are ~5x slower on wasm.
        value: tf.add(x, tf.mul(tf.relu(tf.neg(x)), 1 - alpha)),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, tf.add(tf.mul(tf.step(saved[0]!), 1 - alpha), alpha))],
      };
    });
    return leaky(single(inputs)) as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

for (const cls of [BatchNorm, ChannelBias, LeakyReLU]) tf.serialization.registerClass(cls);
