/**
 * Small shape layers the TGANs-C networks need and tf.layers lacks (tf.layers.reshape never touches the
 * batch axis). All are pure reshapes/slices without weights, registered with tf.serialization so that
 * tf.loadLayersModel can rebuild models that use them.
 *
 * - FoldTime:     [N, T, ...rest] -> [N*T, ...rest]   (judge every frame with 2D layers)
 * - UnfoldTime:   [N*T, ...rest]  -> [N, T, ...rest]  (T from the config)
 * - TemporalDifference: [N, T, F] -> [N, T-1, F], x[:, t+1] - x[:, t]  (rank 3 on purpose: tfjs slices of
 *   rank-5 tensors are slow on wasm)
 * - MinibatchStdDev: [N, T, F] -> [N, T, F+1], one more feature: the batch's standard deviation (minibatch
 *   discrimination as in Karras et al. 2018), so a discriminator can see a batch of look-alike videos
 * - SliceFeatures: [N, T, F] -> [N, T, size], features begin..begin+size
 * - KeepFeatures: [N, F] -> [N, F], the entries not listed set to 0 (which words a network reads)
 * - RepeatOverMap: [N, D] -> [N*steps, H, W, D], the sentence replicated over every step and position of a
 *   feature map, by a broadcasting add (tf.layers.repeatVector tiles, and Tile is slow on wasm; the gradient
 *   of a broadcast is a plain sum)
 */
import * as tf from '@tensorflow/tfjs';

export type Shape = (number | null)[];
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export function single<T>(value: T | T[]): T {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new Error(`expected exactly one input, got ${value.length}`);
    return value[0]!;
  }
  return value;
}

export function singleShape(inputShape: Shape | Shape[]): Shape {
  return Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0]! : (inputShape as Shape);
}

export class FoldTime extends tf.layers.Layer {
  static className = 'TganFoldTime';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    if (shape.length < 3) throw new Error(`${this.name}: FoldTime needs an input of rank >= 3, got [${shape.join(', ')}]`);
    const [n, t, ...rest] = shape;
    return [n != null && t != null ? n * t : null, ...rest];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs);
    const [n, t, ...rest] = x.shape;
    return tf.reshape(x, [n! * t!, ...rest]);
  }
}

export interface UnfoldTimeArgs extends LayerArgs {
  /** T: how many consecutive rows of the batch form one clip. */
  frames: number;
}

export class UnfoldTime extends tf.layers.Layer {
  static className = 'TganUnfoldTime';
  readonly frames: number;

  constructor(args: UnfoldTimeArgs) {
    super(args);
    if (!(Number.isInteger(args.frames) && args.frames >= 1)) {
      throw new RangeError(`UnfoldTime: frames must be a positive integer, got ${String(args.frames)}`);
    }
    this.frames = args.frames;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [nt, ...rest] = singleShape(inputShape);
    return [nt != null ? nt / this.frames : null, this.frames, ...rest];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs);
    const [nt, ...rest] = x.shape;
    if (nt! % this.frames !== 0) {
      throw new RangeError(`${this.name}: batch ${nt} is not a multiple of frames ${this.frames}`);
    }
    return tf.reshape(x, [nt! / this.frames, this.frames, ...rest]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), frames: this.frames };
  }
}

export class TemporalDifference extends tf.layers.Layer {
  static className = 'TganTemporalDifference';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    if (shape.length !== 3) {
      throw new Error(`${this.name}: TemporalDifference needs [N, T, F], got [${shape.join(', ')}]`);
    }
    const [n, t, f] = shape;
    return [n!, t != null ? t - 1 : null, f!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs) as tf.Tensor3D;
    const [n, t, f] = x.shape;
    if (t < 2) throw new RangeError(`${this.name}: needs at least 2 frames, got ${t}`);
    return tf.sub(tf.slice(x, [0, 1, 0], [n, t - 1, f]), tf.slice(x, [0, 0, 0], [n, t - 1, f]));
  }
}



export interface RepeatOverMapArgs extends LayerArgs {
  steps: number;
  height: number;
  width: number;
}

export class RepeatOverMap extends tf.layers.Layer {
  static className = 'TganRepeatOverMap';
  readonly steps: number;
  readonly height: number;
  readonly width: number;

  constructor(args: RepeatOverMapArgs) {
    super(args);
    for (const key of ['steps', 'height', 'width'] as const) {
      if (!(Number.isInteger(args[key]) && args[key] >= 1)) {
        throw new RangeError(`RepeatOverMap: ${key} must be a positive integer, got ${String(args[key])}`);
      }
    }
    this.steps = args.steps;
    this.height = args.height;
    this.width = args.width;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, d] = singleShape(inputShape);
    return [n != null ? n * this.steps : null, this.height, this.width, d!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [n, d] = x.shape as [number, number];
      const cells = this.steps * this.height * this.width;
      const spread = tf.add(tf.reshape(x, [n, 1, d]), tf.zeros([1, cells, 1]));
      return tf.reshape(spread, [n * this.steps, this.height, this.width, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), steps: this.steps, height: this.height, width: this.width };
  }
}

/**
 * Appends to every row of [N, T, F] the mean over features of their standard deviation over the batch
 * (all N·T rows): the same number for every row of one call. A generator that makes every video alike
 * makes this small, and the discriminator learns to call that fake. The trunk runs on real and generated
 * clips separately, so each batch gets its own statistic.
 */
export class MinibatchStdDev extends tf.layers.Layer {
  static className = 'TganMinibatchStdDev';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, t, f] = singleShape(inputShape);
    return [n ?? null, t ?? null, f != null ? f + 1 : null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [n, t, f] = x.shape as [number, number, number];
      const { variance } = tf.moments(tf.reshape(x, [n * t, f]), 0);
      const stat = tf.mean(tf.sqrt(tf.add(variance, 1e-8)));
      return tf.concat([x, tf.add(tf.zeros([n, t, 1]), stat)], 2);
    });
  }
}

export interface SliceFeaturesArgs extends LayerArgs {
  begin: number;
  size: number;
}

/** [N, T, F] -> [N, T, size]: features begin..begin+size-1. */
export class SliceFeatures extends tf.layers.Layer {
  static className = 'TganSliceFeatures';
  readonly begin: number;
  readonly size: number;

  constructor(args: SliceFeaturesArgs) {
    super(args);
    this.begin = args.begin;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, t] = singleShape(inputShape);
    return [n ?? null, t ?? null, this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.slice(single(inputs), [0, 0, this.begin], [-1, -1, this.size]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}

export interface UpsampleNearestArgs extends LayerArgs {
  /** Factors for [T, H, W]: each 1 or 2. */
  factors: [number, number, number];
}

/**
 * Nearest-neighbour upsampling of [N, T, H, W, C] by 1 or 2 along time, height and width, as a concat of
 * the tensor with itself and a reshape per doubled axis (channel-last memory makes the copies land next to
 * their source): no tile or gather, whose wasm kernels are slow. Followed by a stride-1 convolution it is
 * the "resize-convolution" that cannot make the checkerboards of stride-2 transposed convolutions (Odena
 * et al. 2016).
 */
export class UpsampleNearest extends tf.layers.Layer {
  static className = 'TganUpsampleNearest';
  readonly factors: [number, number, number];

  constructor(args: UpsampleNearestArgs) {
    super(args);
    if (!(args.factors.length === 3 && args.factors.every((f) => f === 1 || f === 2))) {
      throw new RangeError(`UpsampleNearest: factors must be three of 1 or 2, got [${String(args.factors)}]`);
    }
    this.factors = [...args.factors] as [number, number, number];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    if (shape.length !== 5) throw new Error(`${this.name}: UpsampleNearest needs [N, T, H, W, C], got [${shape.join(', ')}]`);
    const [n, t, h, w, c] = shape;
    const up = (d: number | null | undefined, f: number) => (d == null ? null : d * f);
    return [n ?? null, up(t, this.factors[0]), up(h, this.factors[1]), up(w, this.factors[2]), c ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = single(inputs) as tf.Tensor5D;
      // Innermost first: doubling axis a = concat along axis a + 1 (each element of axis a followed by its copy), reshape.
      for (const axis of [3, 2, 1] as const) {
        if (this.factors[axis - 1] !== 2) continue;
        const shape = [...x.shape];
        const doubled = tf.concat([x, x], axis + 1);
        shape[axis] = shape[axis]! * 2;
        x = tf.reshape(doubled, shape as [number, number, number, number, number]);
      }
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factors: this.factors };
  }
}

export interface KeepFeaturesArgs extends LayerArgs {
  /** Entries of the last axis to keep; the others become 0. */
  keep: number[];
}

/** [N, F] -> [N, F] with every entry not in `keep` set to 0 (a fixed 0/1 mask: the gradient is the mask too). */
export class KeepFeatures extends tf.layers.Layer {
  static className = 'TganKeepFeatures';
  readonly keep: number[];

  constructor(args: KeepFeaturesArgs) {
    super({ ...args, trainable: false });
    if (!(Array.isArray(args.keep) && args.keep.length > 0 && args.keep.every((i) => Number.isSafeInteger(i) && i >= 0))) {
      throw new RangeError(`KeepFeatures: keep must be a non-empty list of entries, got ${JSON.stringify(args.keep)}`);
    }
    this.keep = [...args.keep];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    const f = shape[shape.length - 1];
    if (f != null && this.keep.some((i) => i >= f)) throw new Error(`${this.name}: keep ${JSON.stringify(this.keep)} goes beyond the ${f} features`);
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const f = x.shape[x.rank - 1]!;
      const mask = new Float32Array(f);
      for (const i of this.keep) mask[i] = 1;
      return tf.mul(x, tf.tensor1d(mask));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), keep: this.keep };
  }
}

for (const cls of [FoldTime, UnfoldTime, TemporalDifference, RepeatOverMap, MinibatchStdDev, SliceFeatures, UpsampleNearest, KeepFeatures]) tf.serialization.registerClass(cls);
