/**
 * Custom tf.layers for the sentence encoders, registered with tf.serialization so tf.loadLayersModel
 * rebuilds models that use them (importing this module registers them).
 *
 * Why not tf.layers.embedding + tf.layers.bidirectional(tf.layers.lstm)? Both were tried (tfjs 4.22):
 * - masking itself is right: tf.layers.embedding({maskZero: true}) feeds a mask through Bidirectional
 *   into both LSTMs, masked steps keep the previous state, and padding changes nothing (difference 0,
 *   cpu and wasm).
 * - but the Embedding's gradient (GatherV2's gradient is UnsortedSegmentSum) is not registered on wasm:
 *   "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'", so it cannot train there;
 * - and tf.layers.lstm's backward pass is dominated by matMul with transposeA/transposeB (the MatMul
 *   gradient), ~15x slow on wasm, and by per-step taping: ~610 ms of CPU per forward+backward at batch 16,
 *   L 16, embedding 64, hidden 128 (embedding frozen), against ~140 ms for the layers here
 *   (bench/lstmEncoderSpeed.ts --stock). Another wasm fact that shaped the code: matMul packs
 *   its second operand afresh for every new tensor (~15 ms for a new [256, 512], ~1 ms for [512, 128]),
 *   so gradients put the operand that is reused, or the smaller one, second.
 *
 * So, here:
 * - `TokenEmbedding`: gather forward; the table's gradient is scatterND of the output gradient rows
 *   (duplicates summed; registered on cpu and wasm). With `trainable: false` it is a frozen lookup table.
 * - `PaddingMask`: token ids -> float mask, 1 for real tokens, 0 for `<pad>` (id 0).
 * - `MaskedLstm`: an LSTM (gates i, f, c, o and weight layout as Keras; sigmoid gates, tanh cell) over
 *   [x, mask]. The input projection of all steps is one matMul (`matMulPlainGrad`: its gradient
 *   multiplies explicit transposes, fast on wasm); the recurrence is one custom op (`lstmRecurrence`)
 *   with a hand-written backward pass. Its outputs and gradients equal tf.layers.lstm's (tested, with
 *   and without masks, both directions). A masked step keeps the previous state and output exactly
 *   (c = cNew*m + c*(1-m) with m in {0, 1}), so trailing padding never changes the last state; with
 *   `goBackwards` the padding is met first and the state stays exactly zero through it. Any mask
 *   pattern works, not only trailing padding.
 * - `KnownWordMean`: the mean of the word vectors of known words (a non-trainable 0/1 flag per id).
 */
import * as tf from '@tensorflow/tfjs';
import { PAD_ID } from '../../text/Vocabulary.ts';
import { Random } from '../../utils/random.ts';

type Shape = (number | null)[];
type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type LayerVariable = tf.LayerVariable;

function inputList(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

function shapeList(inputShape: Shape | Shape[]): Shape[] {
  return Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// matMul whose gradient avoids transposed matMuls

const plainGradMatMul = tf.customGrad((a, b, save) => {
  (save as tf.GradSaveFunc)([a as tf.Tensor, b as tf.Tensor]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      // wasm's matMul packs its second operand anew whenever that is a new tensor (~1 ms for 64k values):
      // give it the smaller of dy^T [n, m] and b^T [n, k].
      const [m, k] = sa.shape;
      const da = m < k ? tf.transpose(tf.matMul(sb, tf.transpose(g))) : tf.matMul(g, tf.transpose(sb));
      return [da, tf.matMul(tf.transpose(sa), g)];
    },
  };
});

/**
 * a [m, k] x b [k, n], like tf.matMul; its gradients are plain matMuls of explicitly transposed copies
 * (tf.matMul's own gradient uses transposeA/transposeB, ~15x slower on wasm): da = dy b^T, computed as
 * (b dy^T)^T when m < k (an LSTM step: batch < hidden), and db = a^T dy. Both gradients are computed
 * whenever either is needed.
 */
export function matMulPlainGrad(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return plainGradMatMul(a, b) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------
// Initialisation

/** Seeds for a layer's weights derived from one number, so a model is reproducible from its args. */
export function weightSeed(seed: number, ...path: (string | number)[]): number {
  return Random.derive(seed, ...path).uint32();
}

/**
 * [n, blocks * n]: `blocks` independent random orthogonal n x n matrices side by side (Keras
 * initialises an LSTM's recurrent kernel orthogonally; per gate here). Plain JS Gram-Schmidt in float64
 * on a seeded normal matrix: tf.initializers.orthogonal warns and is slow above 2000 elements.
 */
export function orthogonalBlocks(n: number, blocks: number, seed: number): Float32Array {
  const random = new Random(seed);
  const normal = (): number => {
    const u = 1 - random.float();
    const v = random.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const out = new Float32Array(n * blocks * n);
  for (let block = 0; block < blocks; block++) {
    const rows: Float64Array[] = [];
    for (let r = 0; r < n; r++) {
      let row: Float64Array;
      for (;;) {
        row = Float64Array.from({ length: n }, normal);
        for (const prev of rows) {
          let dot = 0;
          for (let k = 0; k < n; k++) dot += row[k] * prev[k];
          for (let k = 0; k < n; k++) row[k] -= dot * prev[k];
        }
        let norm = 0;
        for (let k = 0; k < n; k++) norm += row[k] * row[k];
        norm = Math.sqrt(norm);
        if (norm > 1e-6) {
          for (let k = 0; k < n; k++) row[k] /= norm;
          break;
        }
      }
      rows.push(row);
      for (let k = 0; k < n; k++) out[r * blocks * n + block * n + k] = row[k];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// TokenEmbedding

export interface TokenEmbeddingArgs extends LayerArgs {
  /** Number of ids (the vocabulary size, specials included). */
  vocabSize: number;
  /** Vector length per token. */
  outputDim: number;
  /** Seeds the initial table (uniform in [-0.05, 0.05], Keras' default). Default 0. */
  seed?: number;
}

/** int32 ids [B, L] -> [B, L, outputDim]. Ids must lie in [0, vocabSize) (the cpu backend throws otherwise). */
export class TokenEmbedding extends tf.layers.Layer {
  static className = 'T2vTokenEmbedding';
  readonly vocabSize: number;
  readonly outputDim: number;
  readonly seed: number;
  private table!: LayerVariable;

  constructor(args: TokenEmbeddingArgs) {
    super(args);
    this.vocabSize = positiveInteger(args.vocabSize, 'TokenEmbedding vocabSize');
    this.outputDim = positiveInteger(args.outputDim, 'TokenEmbedding outputDim');
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.table = this.addWeight(
      'embeddings',
      [this.vocabSize, this.outputDim],
      'float32',
      tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: weightSeed(this.seed, 'embeddings') }),
      undefined,
      this.trainable, // a frozen table is a non-trainable tf.Variable: variableGrads() never touches it
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...shapeList(inputShape)[0]!, this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = inputList(inputs)[0]!;
      const flat = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [-1]);
      const [vocabSize, dim] = [this.vocabSize, this.outputDim];
      const lookUp = tf.customGrad((table, save) => {
        (save as tf.GradSaveFunc)([flat]);
        return {
          value: tf.gather(table as tf.Tensor, flat),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
            tf.scatterND(tf.expandDims(saved[0]!, 1), tf.reshape(dy, [-1, dim]), [vocabSize, dim]),
          ],
        };
      });
      return tf.reshape(lookUp(this.table.read()), [...ids.shape, dim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), vocabSize: this.vocabSize, outputDim: this.outputDim, seed: this.seed };
  }
}

// ---------------------------------------------------------------------------------------------------
// PaddingMask

/** int32 ids [B, L] -> float32 [B, L]: 1 where the id is not `<pad>` (0), else 0. */
export class PaddingMask extends tf.layers.Layer {
  static className = 'T2vPaddingMask';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...shapeList(inputShape)[0]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.cast(tf.notEqual(inputList(inputs)[0]!, tf.scalar(PAD_ID, 'int32')), 'float32'));
  }
}

// ---------------------------------------------------------------------------------------------------
// The LSTM recurrence with a hand-written backward pass

/**
 * The recurrence of an LSTM over precomputed input projections, as one differentiable op.
 *
 * projected [L, B, 4H] (time-major x W + b, gates i, f, c, o), recurrent U [H, 4H]; keep/drop [L, B, 1]
 * (mask and 1 - mask) or undefined. Steps run t = 0..L-1, or L-1..0 with `goBackwards`; state starts at
 * zero; z = projected[t] + h U; c' = f c + i g; h' = o tanh(c'); a masked step keeps (c, h).
 * Returns every step's h [L, B, H] (in input order).
 *
 * Forward and backward are plain tensor ops inside tf.customGrad, so nothing is taped per step (tfjs
 * would clone every saved input, a copy on wasm) and the backward pass (backpropagation through time,
 * written out) multiplies by one transposed U for all steps (wasm packs a matMul's second operand once
 * per tensor) and gets dU from one matMul over all steps.
 */
export function lstmRecurrence(projected: tf.Tensor3D, recurrent: tf.Tensor2D, goBackwards: boolean, keep?: tf.Tensor3D, drop?: tf.Tensor3D): tf.Tensor3D {
  const [steps, batch, fourH] = projected.shape;
  const units = fourH / 4;
  const masked = keep !== undefined && drop !== undefined;
  const order = (s: number): number => (goBackwards ? steps - 1 - s : s);
  const op = tf.customGrad((projectedIn, recurrentIn, save) => {
    const p = tf.unstack(projectedIn as tf.Tensor);
    const u = recurrentIn as tf.Tensor2D;
    const keeps = masked ? tf.unstack(keep) : [];
    const drops = masked ? tf.unstack(drop) : [];
    const gates: tf.Tensor[][] = [[], [], [], []]; // i, f, g, o per step, in input order
    const tanhC: tf.Tensor[] = new Array(steps);
    const cPrev: tf.Tensor[] = new Array(steps);
    const hPrev: tf.Tensor[] = new Array(steps);
    const hs: tf.Tensor[] = new Array(steps);
    let h: tf.Tensor = tf.zeros([batch, units]);
    let c: tf.Tensor = tf.zeros([batch, units]);
    for (let s = 0; s < steps; s++) {
      const t = order(s);
      // At the first step h is zero: skipping its product changes nothing (z + 0 = z exactly).
      const z = s === 0 ? p[t]! : tf.add(p[t]!, tf.matMul(h as tf.Tensor2D, u));
      const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const i = tf.sigmoid(zi);
      const f = tf.sigmoid(zf);
      const g = tf.tanh(zg);
      const o = tf.sigmoid(zo);
      const cNew = tf.add(tf.mul(f, c), tf.mul(i, g));
      const tc = tf.tanh(cNew);
      const hNew = tf.mul(o, tc);
      [gates[0]![t], gates[1]![t], gates[2]![t], gates[3]![t]] = [i, f, g, o];
      [tanhC[t], cPrev[t], hPrev[t]] = [tc, c, h];
      if (masked) {
        c = tf.add(tf.mul(cNew, keeps[t]!), tf.mul(c, drops[t]!));
        h = tf.add(tf.mul(hNew, keeps[t]!), tf.mul(h, drops[t]!));
      } else {
        c = cNew;
        h = hNew;
      }
      hs[t] = h;
    }
    const toSave = [u, ...gates.map((list) => tf.stack(list)), tf.stack(tanhC), tf.stack(cPrev), tf.stack(hPrev)];
    (save as tf.GradSaveFunc)(masked ? [...toSave, keep, drop] : toSave);
    return {
      value: tf.stack(hs) as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [uSaved, iAll, fAll, gAll, oAll, tcAll, cPrevAll, hPrevAll, keepAll, dropAll] = saved as tf.Tensor[];
        // Factors that do not depend on the recurrence, for all steps at once.
        const one = tf.scalar(1);
        const sigmoidGrad = (y: tf.Tensor) => tf.mul(y, tf.sub(one, y));
        const tanhGrad = (y: tf.Tensor) => tf.sub(one, tf.square(y));
        const toC = tf.unstack(tf.mul(oAll!, tanhGrad(tcAll!))); // dh' -> dc'
        const toZo = tf.unstack(tf.mul(tcAll!, sigmoidGrad(oAll!))); // dh' -> dzo
        const toZi = tf.unstack(tf.mul(gAll!, sigmoidGrad(iAll!))); // dc' -> dzi
        const toZf = tf.unstack(tf.mul(cPrevAll!, sigmoidGrad(fAll!))); // dc' -> dzf
        const toZg = tf.unstack(tf.mul(iAll!, tanhGrad(gAll!))); // dc' -> dzg
        const fs = tf.unstack(fAll!);
        const dys = tf.unstack(dy);
        const keeps = masked ? tf.unstack(keepAll!) : [];
        const drops = masked ? tf.unstack(dropAll!) : [];
        const uT = tf.transpose(uSaved!);
        const dz: tf.Tensor[] = new Array(steps);
        let dh: tf.Tensor | undefined; // dLoss/dh and dLoss/dc of the state after step s, from later steps
        let dc: tf.Tensor | undefined;
        for (let s = steps - 1; s >= 0; s--) {
          const t = order(s);
          const dhTotal = dh === undefined ? dys[t]! : tf.add(dh, dys[t]!);
          const dhNew = masked ? tf.mul(dhTotal, keeps[t]!) : dhTotal;
          const dcFromH = tf.mul(dhNew, toC[t]!);
          const dcNew = dc === undefined ? dcFromH : tf.add(masked ? tf.mul(dc, keeps[t]!) : dc, dcFromH);
          dz[t] = tf.concat([tf.mul(dcNew, toZi[t]!), tf.mul(dcNew, toZf[t]!), tf.mul(dcNew, toZg[t]!), tf.mul(dhNew, toZo[t]!)], 1);
          if (s === 0) break; // the initial state is a constant
          const dhPrev = tf.matMul(dz[t] as tf.Tensor2D, uT);
          const dcPrev = tf.mul(dcNew, fs[t]!);
          dh = masked ? tf.add(dhPrev, tf.mul(dhTotal, drops[t]!)) : dhPrev;
          dc = masked && dc !== undefined ? tf.add(dcPrev, tf.mul(dc, drops[t]!)) : dcPrev;
        }
        const dProjected = tf.stack(dz);
        const dRecurrent = tf.matMul(tf.transpose(tf.reshape(hPrevAll!, [steps * batch, units])), tf.reshape(dProjected, [steps * batch, fourH]));
        return [dProjected, dRecurrent];
      },
    };
  });
  return op(projected, recurrent) as tf.Tensor3D;
}

// ---------------------------------------------------------------------------------------------------
// MaskedLstm

export interface MaskedLstmArgs extends LayerArgs {
  units: number;
  /** Run from the last step to the first (the backward half of a bidirectional LSTM). Outputs stay in input order. */
  goBackwards?: boolean;
  /** Output every step's hidden state [B, L, units] instead of the last one [B, units]. */
  returnSequences?: boolean;
  /** Initialise the forget gate's bias to 1 (Keras' unitForgetBias). Default true. */
  unitForgetBias?: boolean;
  /** Seeds the kernels (Glorot uniform input kernel, orthogonal recurrent kernel per gate). Default 0. */
  seed?: number;
}

/**
 * LSTM over inputs `[x, mask]` (x [B, L, D], mask [B, L] of 0/1) or `x` alone (no masking). The state
 * starts at zero. Output: the hidden state after the last step (masked steps keep it), or with
 * `returnSequences` the hidden state at every step (at a masked step, the previous one).
 */
export class MaskedLstm extends tf.layers.Layer {
  static className = 'T2vMaskedLstm';
  readonly units: number;
  readonly goBackwards: boolean;
  readonly returnSequences: boolean;
  readonly unitForgetBias: boolean;
  readonly seed: number;
  private kernel!: LayerVariable;
  private recurrentKernel!: LayerVariable;
  private bias!: LayerVariable;

  constructor(args: MaskedLstmArgs) {
    super(args);
    this.units = positiveInteger(args.units, 'MaskedLstm units');
    this.goBackwards = args.goBackwards ?? false;
    this.returnSequences = args.returnSequences ?? false;
    this.unitForgetBias = args.unitForgetBias ?? true;
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const xShape = shapeList(inputShape)[0]!;
    const inputDim = xShape[xShape.length - 1];
    if (xShape.length !== 3 || inputDim == null) {
      throw new Error(`${this.name}: MaskedLstm needs x of shape [batch, steps, features] with known features, got [${xShape.join(', ')}]`);
    }
    const h = this.units;
    this.kernel = this.addWeight('kernel', [inputDim, 4 * h], 'float32', tf.initializers.glorotUniform({ seed: weightSeed(this.seed, 'kernel') }));
    this.recurrentKernel = this.addWeight('recurrent_kernel', [h, 4 * h], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [4 * h], 'float32', tf.initializers.zeros());
    tf.tidy(() => {
      this.recurrentKernel.write(tf.tensor2d(orthogonalBlocks(h, 4, weightSeed(this.seed, 'recurrent_kernel')), [h, 4 * h]));
      if (this.unitForgetBias) this.bias.write(tf.concat([tf.zeros([h]), tf.ones([h]), tf.zeros([2 * h])]));
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, steps] = shapeList(inputShape)[0]!;
    return this.returnSequences ? [batch ?? null, steps ?? null, this.units] : [batch ?? null, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = inputList(inputs) as [tf.Tensor3D, tf.Tensor2D | undefined];
      const [batch, steps, inputDim] = x.shape;
      // All steps' input projections in one matMul, time-major [L, B, 4H].
      const timeMajor = tf.reshape(tf.transpose(x, [1, 0, 2]), [steps * batch, inputDim]) as tf.Tensor2D;
      const projected = tf.add(matMulPlainGrad(timeMajor, this.kernel.read() as tf.Tensor2D), this.bias.read());
      let keep: tf.Tensor3D | undefined;
      let drop: tf.Tensor3D | undefined;
      if (mask !== undefined) {
        keep = tf.reshape(tf.transpose(tf.cast(mask, 'float32')), [steps, batch, 1]);
        drop = tf.sub(1, keep) as tf.Tensor3D;
      }
      const hs = lstmRecurrence(tf.reshape(projected, [steps, batch, 4 * this.units]), this.recurrentKernel.read() as tf.Tensor2D, this.goBackwards, keep, drop);
      if (this.returnSequences) return tf.transpose(hs, [1, 0, 2]);
      // The state after the last processed step.
      const last = this.goBackwards ? 0 : steps - 1;
      return tf.reshape(tf.slice(hs, [last, 0, 0], [1, batch, this.units]), [batch, this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      goBackwards: this.goBackwards,
      returnSequences: this.returnSequences,
      unitForgetBias: this.unitForgetBias,
      seed: this.seed,
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// KnownWordMean

export interface KnownWordMeanArgs extends LayerArgs {
  vocabSize: number;
}

/**
 * Inputs `[vectors [B, L, D], ids [B, L]]` -> [B, D]: the mean of the vectors of tokens whose id is
 * flagged known (weight `known` [vocabSize], 0/1, non-trainable; set it with setWeights), zeros when no
 * token is known. `<pad>` should be flagged 0.
 */
export class KnownWordMean extends tf.layers.Layer {
  static className = 'T2vKnownWordMean';
  readonly vocabSize: number;
  private known!: LayerVariable;

  constructor(args: KnownWordMeanArgs) {
    super(args);
    this.vocabSize = positiveInteger(args.vocabSize, 'KnownWordMean vocabSize');
  }

  override build(): void {
    this.known = this.addWeight('known', [this.vocabSize], 'float32', tf.initializers.zeros(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const vectors = shapeList(inputShape)[0]!;
    return [vectors[0] ?? null, vectors[vectors.length - 1] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [vectors, ids] = inputList(inputs) as [tf.Tensor3D, tf.Tensor2D];
      const flags = tf.reshape(tf.gather(this.known.read(), tf.reshape(tf.cast(ids, 'int32'), [-1])), [ids.shape[0], ids.shape[1], 1]);
      const sum = tf.sum(tf.mul(vectors, flags), 1);
      const count = tf.maximum(tf.sum(flags, 1), 1);
      return tf.div(sum, count);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), vocabSize: this.vocabSize };
  }
}

/**
 * Token ids int32 [B, L] -> a fixed multi-hot vector [B, vocabSize]: 1 for every word the caption holds
 * (`<unk>` included), 0 elsewhere; `<pad>` never counts. No weights: the networks' own condition
 * projections learn what to make of it. Captions that differ in a word differ from the first step on,
 * which a jointly trained encoder needs many steps to learn.
 */
export class BagOfWords extends tf.layers.Layer {
  static className = 'T2vBagOfWords';
  readonly vocabSize: number;

  constructor(args: LayerArgs & { vocabSize: number }) {
    super({ ...args, trainable: false });
    this.vocabSize = positiveInteger(args.vocabSize, 'BagOfWords vocabSize');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [shapeList(inputShape)[0]![0] ?? null, this.vocabSize];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = tf.cast(inputList(inputs)[0]!, 'int32');
      const present = tf.minimum(tf.sum(tf.oneHot(ids as tf.Tensor2D, this.vocabSize), 1), 1);
      const notPad = tf.oneHot(tf.tensor1d([PAD_ID], 'int32'), this.vocabSize).mul(-1).add(1);
      return tf.mul(present, notPad);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), vocabSize: this.vocabSize };
  }
}

tf.serialization.registerClass(BagOfWords);
tf.serialization.registerClass(TokenEmbedding);
tf.serialization.registerClass(PaddingMask);
tf.serialization.registerClass(MaskedLstm);
tf.serialization.registerClass(KnownWordMean);
