/**
 * A small CNN that names the digit (0-9) in one grey frame of a single-digit Bouncing MNIST video,
 * trained on real clips only (see trainEvaluator.ts) and applied to generated videos by scoreVideos.ts.
 *
 * What the network sees (`ClassifierInput`):
 * - `crop` (the default): a side x side (28) window centred on the frame's digit centroid (greyVideo.ts),
 *   contrast-normalised. On a real clip that window is exactly the MNIST sprite (±1 px of rounding), so
 *   the network is an MNIST classifier: small (2 strided conv stages), every frame of a real clip gives
 *   the same input, and it does not depend on the canvas size (the same weights score 64x64 real clips
 *   and 48x48 TGANs-C outputs, as long as digits keep MNIST scale, 28 px). Empty frames (no contrast)
 *   get no input and no digit. Two-digit frames are out of scope (the centroid falls between digits).
 * - `frame`: the whole side x side frame (contrast-normalised); videos must have that size. The network
 *   must learn translation invariance itself (3 stages at 64 or 48), which needs far more data and time:
 *   measured on wasm, 1,500 frames x 2 epochs gave 23% held-out (15 s) and 6,000 x 3 gave 82% (75 s),
 *   against 96-97% for crops at 10,000 x 3 (38 s); hence crops by default.
 *
 * The weights are a tf.LayersModel ([n, side, side, 1] → softmax over 10 digits); the input description
 * is kept next to them in eval.json (trainEvaluator.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../utils/random.ts';
import { cropFrame, frameCentroid, frameLevels, type CentroidOptions, type GreyVideo } from './greyVideo.ts';

export const DIGIT_CLASSES = 10;

export type ClassifierInput = { kind: 'crop'; side: number } | { kind: 'frame'; side: number };

/** MNIST scale: the sprites of bouncingDigits are 28x28. */
export const DEFAULT_CLASSIFIER_INPUT: ClassifierInput = { kind: 'crop', side: 28 };

export interface DigitCnnOptions {
  /** Filters of the first conv stage (later stages have twice as many). Default 16. */
  filters?: number;
  /** Width of the hidden dense layer; 0 = none (the flattened features go straight to the softmax). */
  dense?: number;
  /** Conv stages are added until the map side is at most this. Default 8. */
  finalSide?: number;
  /** Seeds the weight initialisers (layer k uses seed + k). */
  seed?: number;
}

/** Probabilities of the 10 digits for each frame of each video, and which frames had no digit. */
export interface FramePredictions {
  /** frames x 10, row-major. Rows of empty frames are all 0. */
  probabilities: Float32Array;
  /** 1 where the frame was empty (no contrast): no crop, no prediction. */
  empty: Uint8Array;
}

/** What scoreVideos needs from a classifier (tests may stub it). */
export interface FrameDigitClassifier {
  predictFrames(videos: readonly GreyVideo[], options?: { centroid?: CentroidOptions }): FramePredictions[];
}

/**
 * The network: strided conv stages (5x5 stride 2 with `filters`, then 3x3 stride 2 with 2*filters, 'same'
 * padding, ReLU) until the map is ≤ 8 px, then flatten, dense, softmax. Strided convolutions rather than
 * conv + max-pool: on the wasm backend MaxPoolGrad costs as much as the convolutions themselves.
 */
export function buildDigitCnn(input: ClassifierInput, options: DigitCnnOptions = {}): tf.LayersModel {
  const filters = options.filters ?? 16;
  const dense = options.dense ?? 64;
  const seed = options.seed ?? 0;
  let layer = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed + layer++ });
  const model = tf.sequential({ name: `digit_${input.kind}_${input.side}` });
  let side = input.side;
  let stage = 0;
  do {
    model.add(
      tf.layers.conv2d({
        ...(stage === 0 ? { inputShape: [input.side, input.side, 1] } : {}),
        filters: stage === 0 ? filters : 2 * filters,
        kernelSize: stage === 0 ? 5 : 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
    );
    side = Math.ceil(side / 2);
    stage++;
  } while (side > (options.finalSide ?? 8));
  model.add(tf.layers.flatten());
  if (dense > 0) model.add(tf.layers.dense({ units: dense, activation: 'relu', kernelInitializer: init() }));
  model.add(tf.layers.dense({ units: DIGIT_CLASSES, activation: 'softmax', kernelInitializer: init() }));
  return model;
}

/** Training augmentation of crop inputs (all uniform draws from FrameInputOptions.random). */
export interface Augmentation {
  /** Shift the crop by up to ± jitter px on each axis (whole pixels). */
  jitter?: number;
  /** Rotate by up to ± this many degrees. */
  rotateDegrees?: number;
  /** Scale by a factor in [1 - scale, 1 + scale]. */
  scale?: number;
}

export interface FrameInputOptions {
  /** Centroid estimation (crop inputs). */
  centroid?: CentroidOptions;
  /** Crop inputs only; needs `random`. */
  augment?: Augmentation;
  random?: Random;
}

export class DigitFrameClassifier implements FrameDigitClassifier {
  constructor(
    readonly model: tf.LayersModel,
    readonly input: ClassifierInput,
  ) {
    const shape = model.inputs[0]?.shape;
    if (shape?.[1] !== input.side || shape?.[2] !== input.side || shape?.[3] !== 1) {
      throw new RangeError(`DigitFrameClassifier: model input [${shape?.join(', ')}] does not match ${input.kind} ${input.side}x${input.side}x1`);
    }
  }

  /** A fresh, untrained classifier. */
  static create(input: ClassifierInput = DEFAULT_CLASSIFIER_INPUT, options: DigitCnnOptions = {}): DigitFrameClassifier {
    return new DigitFrameClassifier(buildDigitCnn(input, options), input);
  }

  /** Values per network input (side * side). */
  get inputSize(): number {
    return this.input.side * this.input.side;
  }

  /**
   * Network inputs for `frames` of a video (default all): writes frames.length * side * side values to
   * `out` at `offset` and returns, per frame, whether it was empty (then its input is all 0).
   */
  frameInputs(video: GreyVideo, out: Float32Array, offset: number, frames?: readonly number[], options: FrameInputOptions = {}): boolean[] {
    const { side } = this.input;
    const list = frames ?? Array.from({ length: video.frames }, (_, t) => t);
    if (this.input.kind === 'frame' && (video.height !== side || video.width !== side)) {
      throw new RangeError(`DigitFrameClassifier: this classifier reads whole ${side}x${side} frames; the video is ${video.height}x${video.width}`);
    }
    const { jitter = 0, rotateDegrees = 0, scale = 0 } = options.augment ?? {};
    const augmenting = jitter > 0 || rotateDegrees > 0 || scale > 0;
    const random = options.random;
    if (augmenting && random === undefined) throw new RangeError('DigitFrameClassifier: augmentation needs a random generator');
    return list.map((t, k) => {
      const at = offset + k * side * side;
      if (this.input.kind === 'frame') {
        const levels = frameLevels(video, t);
        const empty = !(levels.peak - levels.background >= (options.centroid?.minContrast ?? 0.1));
        if (empty) out.fill(0, at, at + side * side);
        else cropFrame(video, t, { x: (side - 1) / 2, y: (side - 1) / 2 }, side, levels, out, at);
        return empty;
      }
      const centroid = frameCentroid(video, t, options.centroid);
      if (centroid === undefined) {
        out.fill(0, at, at + side * side);
        return true;
      }
      if (!augmenting) {
        cropFrame(video, t, centroid, side, centroid.levels, out, at);
        return false;
      }
      const dx = jitter > 0 ? random!.int(-jitter, jitter) : 0;
      const dy = jitter > 0 ? random!.int(-jitter, jitter) : 0;
      const angle = ((random!.float() * 2 - 1) * rotateDegrees * Math.PI) / 180;
      const magnification = 1 + (random!.float() * 2 - 1) * scale;
      cropFrame(video, t, { x: centroid.x + dx, y: centroid.y + dy }, side, centroid.levels, out, at, { angle, scale: magnification });
      return false;
    });
  }

  /** Softmax outputs (count x 10) for `count` prepared inputs, in batches. */
  predictInputs(inputs: Float32Array, count: number, batchSize = 256): Float32Array {
    const size = this.inputSize;
    if (inputs.length < count * size) throw new RangeError(`predictInputs: ${inputs.length} values for ${count} inputs of ${size}`);
    const out = new Float32Array(count * DIGIT_CLASSES);
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const probabilities = tf.tidy(() => {
        const x = tf.tensor4d(inputs.subarray(start * size, (start + n) * size), [n, this.input.side, this.input.side, 1]);
        return this.model.predict(x) as tf.Tensor;
      });
      out.set(probabilities.dataSync() as Float32Array, start * DIGIT_CLASSES);
      probabilities.dispose();
    }
    return out;
  }

  predictFrames(videos: readonly GreyVideo[], options: { centroid?: CentroidOptions; batchSize?: number } = {}): FramePredictions[] {
    const total = videos.reduce((sum, v) => sum + v.frames, 0);
    const inputs = new Float32Array(total * this.inputSize);
    const empty = new Uint8Array(total);
    let at = 0;
    for (const video of videos) {
      this.frameInputs(video, inputs, at * this.inputSize, undefined, { centroid: options.centroid }).forEach((e, t) => {
        empty[at + t] = e ? 1 : 0;
      });
      at += video.frames;
    }
    const probabilities = this.predictInputs(inputs, total, options.batchSize);
    const results: FramePredictions[] = [];
    at = 0;
    for (const video of videos) {
      const p = probabilities.slice(at * DIGIT_CLASSES, (at + video.frames) * DIGIT_CLASSES);
      const e = empty.slice(at, at + video.frames);
      e.forEach((isEmpty, t) => isEmpty && p.fill(0, t * DIGIT_CLASSES, (t + 1) * DIGIT_CLASSES));
      results.push({ probabilities: p, empty: e });
      at += video.frames;
    }
    return results;
  }

  dispose(): void {
    this.model.dispose();
  }
}
