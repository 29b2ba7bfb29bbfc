/**
 * A 2D or 3D convolution whose kernel is divided by its largest singular value (spectral normalisation,
 * Miyato et al. 2018), for discriminators that must not win on scale: with every layer 1-Lipschitz the
 * discriminator's logits cannot run away from the generator, and its gradients stay informative.
 *
 * The kernel W [..., Cin, F] is viewed as a matrix [K, F]. A vector u [F] (a non-trainable weight, so it
 * is checkpointed and saved) estimates W's top right singular vector:
 *   training:  u <- normalise(Wᵀ normalise(W u)), one power iteration per call, outside the gradient;
 *   σ = ‖W u‖, and the convolution uses W / σ.
 * With u held fixed σ is an exact function of W, so the gradient (through W / σ, σ included) is exact;
 * power iteration only moves u towards the top singular vector from call to call.
 * Padding 'same' or 'valid'; no bias (a ChannelBias follows where one is wanted).
 */
import * as tf from '@tensorflow/tfjs';
import { single, singleShape } from './videoLayers.ts';
import type { LayerArgs, Shape } from './videoLayers.ts';
import type { Initializer } from './seeds.ts';

export interface SpectralConvArgs extends LayerArgs {
  rank: 2 | 3;
  filters: number;
  kernelSize: number[];
  strides: number[];
  padding: 'same' | 'valid';
  /** The kernel's initialiser (not serialised: a loaded model gets its weights from the file). */
  kernelInitializer?: Initializer;
  /** Seed of u's starting direction. */
  seed?: number;
}

export class SpectralConv extends tf.layers.Layer {
  static className = 'TganSpectralConv';
  readonly rank: 2 | 3;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'same' | 'valid';
  readonly seed: number;
  private readonly kernelInitializer: Initializer | undefined;
  private kernel: tf.LayerVariable | null = null;
  private u: tf.LayerVariable | null = null;

  constructor(args: SpectralConvArgs) {
    super(args);
    this.rank = args.rank;
    this.filters = args.filters;
    this.kernelSize = [...args.kernelSize];
    this.strides = [...args.strides];
    this.padding = args.padding;
    this.seed = args.seed ?? 0;
    this.kernelInitializer = args.kernelInitializer;
    if (this.kernelSize.length !== this.rank || this.strides.length !== this.rank) {
      throw new RangeError(`SpectralConv: kernelSize and strides need ${this.rank} entries, got [${this.kernelSize}] and [${this.strides}]`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const cin = shape[shape.length - 1];
    if (shape.length !== this.rank + 2 || cin == null) throw new Error(`${this.name}: SpectralConv (rank ${this.rank}) needs [N, ...${this.rank} axes, C], got [${shape.join(', ')}]`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, cin, this.filters], 'float32', this.kernelInitializer ?? tf.initializers.glorotUniform({}));
    this.u = this.addWeight('u', [this.filters], 'float32', tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: this.seed }), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    const spatial = shape.slice(1, 1 + this.rank).map((d, i) => {
      if (d == null) return null;
      const k = this.kernelSize[i]!;
      const s = this.strides[i]!;
      return this.padding === 'same' ? Math.ceil(d / s) : Math.floor((d - k) / s) + 1;
    });
    return [shape[0]!, ...spatial, this.filters];
  }

  /** σ of the kernel as it is now, with the stored u (no power iteration). */
  sigma(): number {
    return tf.tidy(() => spectralScale(this.matrix(), this.u!.read() as tf.Tensor1D).dataSync()[0]!);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const w = this.kernel!.read();
      const matrix = this.matrix();
      let u = this.u!.read() as tf.Tensor1D;
      if (kwargs['training'] === true) {
        // The power iteration reads W's values, not W: no gradient flows through u.
        const next = tf.tidy(() => {
          const values = tf.tensor2d(matrix.dataSync() as Float32Array, matrix.shape as [number, number]);
          const v = normalise(tf.reshape(tf.matMul(values, tf.reshape(u, [-1, 1])), [-1]) as tf.Tensor1D);
          return normalise(tf.reshape(tf.matMul(tf.reshape(v, [1, -1]), values), [-1]) as tf.Tensor1D);
        });
        this.u!.write(next);
        u = next;
      }
      const scaled = tf.div(w, spectralScale(matrix, u));
      return this.rank === 2
        ? tf.conv2d(x as tf.Tensor4D, scaled as tf.Tensor4D, this.strides as [number, number], this.padding)
        : tf.conv3d(x as tf.Tensor5D, scaled as tf.Tensor5D, this.strides as [number, number, number], this.padding);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rank: this.rank, filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, seed: this.seed };
  }

  private matrix(): tf.Tensor2D {
    return tf.reshape(this.kernel!.read(), [-1, this.filters]);
  }
}

/** ‖W û‖ for W [K, F] and û = u / ‖u‖: W's largest singular value once u is its top right singular vector. */
export function spectralScale(matrix: tf.Tensor2D, u: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.add(tf.sum(tf.square(tf.matMul(matrix, tf.reshape(normalise(u), [-1, 1])))), 1e-12)) as tf.Scalar);
}

function normalise(t: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.div(t, tf.add(tf.norm(t), 1e-12)) as tf.Tensor1D);
}

tf.serialization.registerClass(SpectralConv);
