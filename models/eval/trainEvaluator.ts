/**
 * Training, saving and loading the digit evaluator (DigitFrameClassifier) from real clips only.
 *
 * Frames come from any stream of single-digit clips (`Iterable<Clip> | AsyncIterable<Clip>`):
 * - `generatedClipSources(...)`: bouncingDigits made on the fly with split 'random', so train and val
 *   clips both cover all 10 digits; val clips use the held-out 20% of each digit's MNIST instances
 *   (mnistDigits.instanceRange), i.e. handwriting the classifier never saw.
 * - `datasetClipSources(dir)`: a prepared shard dataset's train and val splits (the val split of a
 *   'combinations' dataset covers only the digits of its held-out pairs; eval.json lists per-digit accuracy).
 *
 * Training is seeded end to end: weight initialisers, the frames picked per clip, crop jitter and the
 * per-epoch order (a seeded permutation; tfjs's own shuffle uses Math.random) all derive from `seed`.
 *
 * Saved layout (saveEvaluator / loadEvaluator), through the file:// router of models/io/fileSystemIO.ts:
 *   dir/model.json, dir/weights.bin   the tf.LayersModel (tfjs-node's format)
 *   dir/eval.json                     EvaluatorReport: input kind and size, validation accuracy, settings
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Clip } from '../../datasets/clip.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { bouncingDigits, type BouncingDigitsInput } from '../../datasets/synthetic/bouncingDigits.ts';
import { makeDirectory, writeFileAtomic } from '../../utils/atomicFile.ts';
import { Random } from '../../utils/random.ts';
import { FILE_SCHEME, MODEL_JSON_FILENAME, ModelIOError } from '../io/fileSystemIO.ts';
import { registerKernelFixes } from '../kernels/registerKernelFixes.ts';
import {
  DEFAULT_CLASSIFIER_INPUT,
  DIGIT_CLASSES,
  DigitFrameClassifier,
  type Augmentation,
  type ClassifierInput,
  type DigitCnnOptions,
} from './DigitFrameClassifier.ts';
import { toGreyVideo } from './greyVideo.ts';

export const EVAL_JSON_FILENAME = 'eval.json';
export const EVALUATOR_FORMAT = 't2v-digit-evaluator';
export const EVALUATOR_VERSION = 1;

export type ClipSource = Iterable<Clip> | AsyncIterable<Clip>;

/** Small shifts, rotations and scalings: MNIST-style augmentation, also some robustness to imperfect generated digits. */
export const DEFAULT_AUGMENTATION: Augmentation = { jitter: 1, rotateDegrees: 10, scale: 0.1 };

export interface TrainEvaluatorOptions {
  train: ClipSource;
  val: ClipSource;
  /** Frames to train on (default 10,000) and to validate on (default 2,000). */
  trainFrames?: number;
  valFrames?: number;
  /**
   * Frames taken from each clip (default 1). With crop inputs every frame of a real clip gives the same
   * crop, so more than 1 only repeats data; with frame inputs 2-4 adds positions.
   */
  framesPerClip?: number;
  /** Default: crop 28. `{kind: 'frame'}` with side 0 takes the side from the first clip. */
  input?: ClassifierInput;
  network?: Omit<DigitCnnOptions, 'seed'>;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Augmentation of training crops (crop inputs; ignored for frame inputs). Default DEFAULT_AUGMENTATION. */
  augment?: Augmentation;
  seed?: number;
  /** Written into the report, e.g. 'bouncingDigits seed 7' or a dataset path. */
  sourceDescription?: string;
  log?: (line: string) => void;
}

export interface EvaluatorReport {
  format: typeof EVALUATOR_FORMAT;
  version: typeof EVALUATOR_VERSION;
  input: ClassifierInput;
  /** Frame accuracy on the validation frames (held-out MNIST instances). */
  valAccuracy: number;
  /** Per digit: accuracy, or null when the validation frames had none of that digit. */
  perDigitAccuracy: (number | null)[];
  trainFrames: number;
  valFrames: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  augment: Augmentation;
  seed: number;
  /** Mean training loss of the last epoch. */
  finalLoss: number;
  backend: string;
  trainSeconds: number;
  source?: string;
  createdAt: string;
}

/** Train/val clip streams generated on the fly (see the module comment). */
export function generatedClipSources(args: Partial<Omit<BouncingDigitsInput, 'digits' | 'split' | 'count'>> & { seed: number }): {
  train: Iterable<Clip>;
  val: Iterable<Clip>;
} {
  const input: BouncingDigitsInput = { valFraction: 0.2, ...args, digits: 1, split: 'random', count: 100_000_000 };
  const only = (split: 'train' | 'val') =>
    ({
      *[Symbol.iterator]() {
        for (const clip of bouncingDigits(input)) if (clip.split === split) yield clip;
      },
    }) satisfies Iterable<Clip>;
  return { train: only('train'), val: only('val') };
}

/** The train and val splits of a prepared shard dataset (train shuffled by `shuffleSeed`). */
export async function datasetClipSources(dir: string, shuffleSeed = 0): Promise<{ train: AsyncIterable<Clip>; val: AsyncIterable<Clip> }> {
  const dataset = await Dataset.open(dir);
  return {
    train: { [Symbol.asyncIterator]: () => dataset.stream({ split: 'train', shuffleSeed }) },
    val: { [Symbol.asyncIterator]: () => dataset.stream({ split: 'val' }) },
  };
}

/** The digit of a single-digit clip, from its attributes (bouncingDigits' `digits`). */
export function clipDigit(clip: Clip): number {
  const digits = clip.attributes['digits'];
  if (!Array.isArray(digits) || digits.length !== 1 || !Number.isInteger(digits[0]) || digits[0] < 0 || digits[0] > 9) {
    throw new RangeError(`clip ${clip.id}: the digit evaluator needs single-digit clips (attributes.digits = [d]), got ${JSON.stringify(digits)}`);
  }
  return digits[0] as number;
}

interface FrameSet {
  inputs: Float32Array;
  labels: Int32Array;
  count: number;
}

async function collectFrames(
  classifier: DigitFrameClassifier,
  source: ClipSource,
  wanted: number,
  framesPerClip: number,
  random: Random,
  augment: Augmentation,
): Promise<FrameSet> {
  const size = classifier.inputSize;
  const inputs = new Float32Array(wanted * size);
  const labels = new Int32Array(wanted);
  let count = 0;
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  try {
    while (count < wanted) {
      const next = await iterator.next();
      if (next.done) break;
      const clip = next.value;
      const digit = clipDigit(clip);
      const [t, h, w, c] = clip.shape;
      const take = Math.min(framesPerClip, t, wanted - count);
      // Only the chosen frames are converted to grey (a clip has 16; one is usually taken).
      const chosen = random.shuffle(Array.from({ length: t }, (_, k) => k)).slice(0, take);
      const frameValues = h * w * c;
      const picked = new Uint8Array(take * frameValues);
      chosen.forEach((frame, k) => picked.set(clip.frames.subarray(frame * frameValues, (frame + 1) * frameValues), k * frameValues));
      const video = toGreyVideo({ frames: picked, shape: [take, h, w, c] });
      const base = count;
      const empty = classifier.frameInputs(video, inputs, base * size, undefined, { augment, random });
      for (let k = 0; k < take; k++) {
        if (empty[k]) continue; // a blank real frame teaches nothing: the next one takes its place
        if (count !== base + k) inputs.copyWithin(count * size, (base + k) * size, (base + k + 1) * size);
        labels[count++] = digit;
      }
    }
  } finally {
    await iterator.return?.();
  }
  if (count === 0) throw new RangeError('trainEvaluator: the clip source gave no frames');
  return { inputs: inputs.subarray(0, count * size), labels: labels.subarray(0, count), count };
}

function argmax(p: Float32Array, row: number): number {
  let best = 0;
  for (let k = 1; k < DIGIT_CLASSES; k++) if (p[row * DIGIT_CLASSES + k] > p[row * DIGIT_CLASSES + best]) best = k;
  return best;
}

/** Accuracy of `classifier` on prepared frames, overall and per digit. */
function evaluate(classifier: DigitFrameClassifier, set: FrameSet): { accuracy: number; perDigit: (number | null)[] } {
  const probabilities = classifier.predictInputs(set.inputs, set.count);
  const right = new Array<number>(DIGIT_CLASSES).fill(0);
  const seen = new Array<number>(DIGIT_CLASSES).fill(0);
  for (let i = 0; i < set.count; i++) {
    seen[set.labels[i]]++;
    if (argmax(probabilities, i) === set.labels[i]) right[set.labels[i]]++;
  }
  const total = right.reduce((a, b) => a + b, 0);
  return { accuracy: total / set.count, perDigit: seen.map((n, d) => (n === 0 ? null : right[d] / n)) };
}

/**
 * Train a DigitFrameClassifier (Adam, categorical cross-entropy) on frames of real clips and measure it
 * on frames of validation clips. Runs on the active tfjs backend; on wasm the conv2d gradient kernels of
 * models/kernels are registered first.
 */
export async function trainDigitClassifier(options: TrainEvaluatorOptions): Promise<{ classifier: DigitFrameClassifier; report: EvaluatorReport }> {
  const trainFrames = options.trainFrames ?? 10_000;
  const valFrames = options.valFrames ?? 2_000;
  const framesPerClip = options.framesPerClip ?? 1;
  const epochs = options.epochs ?? 3;
  const batchSize = options.batchSize ?? 32;
  const learningRate = options.learningRate ?? 3e-3;
  const seed = options.seed ?? 0;
  const log = options.log ?? (() => {});
  for (const [name, value] of Object.entries({ trainFrames, valFrames, framesPerClip, epochs, batchSize })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`trainEvaluator: ${name} must be a positive integer (got ${value})`);
  }
  registerKernelFixes();
  await tf.ready();
  const started = performance.now();

  let input = options.input ?? DEFAULT_CLASSIFIER_INPUT;
  const augment: Augmentation = input.kind === 'crop' ? (options.augment ?? DEFAULT_AUGMENTATION) : {};
  let trainSource = options.train;
  if (input.kind === 'frame' && input.side === 0) {
    const first = await firstClip(options.train);
    input = { kind: 'frame', side: first.clip.shape[1] };
    trainSource = first.rest;
  }
  const classifier = DigitFrameClassifier.create(input, { ...options.network, seed });
  const random = Random.derive(seed, 'digit-evaluator');
  const train = await collectFrames(classifier, trainSource, trainFrames, framesPerClip, Random.derive(seed, 'digit-evaluator', 'train'), augment);
  const val = await collectFrames(classifier, options.val, valFrames, framesPerClip, Random.derive(seed, 'digit-evaluator', 'val'), {});
  log(`digit evaluator: ${train.count} train frames, ${val.count} val frames, ${input.kind} ${input.side}x${input.side}, backend ${tf.getBackend()}`);

  classifier.model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const side = input.side;
  const x = tf.tensor4d(train.inputs, [train.count, side, side, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels, 'int32'), DIGIT_CLASSES).toFloat());
  let finalLoss = NaN;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = tf.tensor1d(random.shuffle(Array.from({ length: train.count }, (_, i) => i)), 'int32');
      const xs = tf.gather(x, order);
      const ys = tf.gather(y, order);
      try {
        const history = await classifier.model.fit(xs, ys, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
        finalLoss = Number(history.history['loss']?.[0]);
        const accuracy = Number(history.history['acc']?.[0] ?? history.history['accuracy']?.[0]);
        log(`digit evaluator: epoch ${epoch + 1}/${epochs} loss ${finalLoss.toFixed(4)} train accuracy ${accuracy.toFixed(4)}`);
      } finally {
        tf.dispose([order, xs, ys]);
      }
    }
  } finally {
    tf.dispose([x, y]);
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const { accuracy, perDigit } = evaluate(classifier, val);
  log(`digit evaluator: val accuracy ${accuracy.toFixed(4)} after ${trainSeconds.toFixed(1)} s`);
  const report: EvaluatorReport = {
    format: EVALUATOR_FORMAT,
    version: EVALUATOR_VERSION,
    input,
    valAccuracy: accuracy,
    perDigitAccuracy: perDigit,
    trainFrames: train.count,
    valFrames: val.count,
    epochs,
    batchSize,
    learningRate,
    augment,
    seed,
    finalLoss,
    backend: tf.getBackend(),
    trainSeconds,
    ...(options.sourceDescription !== undefined && { source: options.sourceDescription }),
    createdAt: new Date().toISOString(),
  };
  return { classifier, report };
}

/** Peek at the first clip of a source and give back a source that still yields it. */
async function firstClip(source: ClipSource): Promise<{ clip: Clip; rest: AsyncIterable<Clip> }> {
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const first = await iterator.next();
  if (first.done) throw new RangeError('trainEvaluator: the clip source gave no frames');
  const clip = first.value;
  return {
    clip,
    rest: {
      async *[Symbol.asyncIterator]() {
        yield clip;
        try {
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
        } finally {
          await iterator.return?.();
        }
      },
    },
  };
}

/** Write model.json + weights.bin (file://) and eval.json into `dir` (created if missing). */
export async function saveEvaluator(dir: string, classifier: DigitFrameClassifier, report: EvaluatorReport): Promise<void> {
  const absolute = resolve(dir);
  await makeDirectory(absolute);
  await classifier.model.save(`${FILE_SCHEME}${absolute}`);
  await writeFileAtomic(join(absolute, EVAL_JSON_FILENAME), `${JSON.stringify(report, null, 2)}\n`);
}

/** Load what saveEvaluator wrote; the classifier runs on the active backend. */
export async function loadEvaluator(dir: string): Promise<{ classifier: DigitFrameClassifier; report: EvaluatorReport }> {
  const absolute = resolve(dir);
  const path = join(absolute, EVAL_JSON_FILENAME);
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new ModelIOError(path, `cannot read the evaluator description (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  });
  let report: EvaluatorReport;
  try {
    report = JSON.parse(text) as EvaluatorReport;
  } catch (error) {
    throw new ModelIOError(path, `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (report?.format !== EVALUATOR_FORMAT || report.version !== EVALUATOR_VERSION || !isClassifierInput(report.input)) {
    throw new ModelIOError(path, `is not a ${EVALUATOR_FORMAT} version ${EVALUATOR_VERSION} description`);
  }
  const model = await tf.loadLayersModel(`${FILE_SCHEME}${join(absolute, MODEL_JSON_FILENAME)}`);
  return { classifier: new DigitFrameClassifier(model, report.input), report };
}

function isClassifierInput(value: unknown): value is ClassifierInput {
  const v = value as Partial<ClassifierInput> | undefined;
  return (v?.kind === 'crop' || v?.kind === 'frame') && Number.isInteger(v.side) && (v.side as number) > 0;
}
