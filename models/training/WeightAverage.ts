/**
 * An exponential moving average of a network's weights, kept in a second network of the same
 * architecture (Polyak averaging; the "EMA generator" of ProGAN, StyleGAN and BigGAN).
 *
 * Why: a GAN generator's weights circle around a good point rather than settle on it, so the clips of
 * the last step can be much worse than those of a few hundred steps earlier. The average of the recent
 * weights sits near the centre of that circle; it is what samples, evaluations and saved models use,
 * while training goes on updating the raw weights.
 *
 * The decay ramps up as in TensorFlow's ExponentialMovingAverage with num_updates: the update after
 * `step` completed steps uses min(decay, (1 + step) / (10 + step)), so the average follows a young
 * run closely instead of dragging its first weights along for thousands of steps.
 */
import * as tf from '@tensorflow/tfjs';

export interface WeightAverageArgs {
  /** The network being trained. */
  source: tf.LayersModel;
  /** A network of the same architecture that holds the average (owned by the caller). */
  average: tf.LayersModel;
  /** Weight of the old average in each update, in [0, 1). */
  decay: number;
}

export class WeightAverage {
  readonly decay: number;
  private readonly source: tf.LayersModel;
  private readonly average: tf.LayersModel;

  constructor(args: WeightAverageArgs) {
    if (!(args.decay >= 0 && args.decay < 1)) throw new RangeError(`decay must be in [0, 1), got ${args.decay}`);
    const from = args.source.weights;
    const to = args.average.weights;
    if (from.length !== to.length) throw new RangeError(`the average network has ${to.length} weights, the source ${from.length}: they must share an architecture`);
    from.forEach((w, i) => {
      if (w.shape.join() !== to[i]!.shape.join()) throw new RangeError(`weight ${i} (${w.name}) is [${w.shape.join(', ')}] in the source, [${to[i]!.shape.join(', ')}] in the average`);
    });
    this.decay = args.decay;
    this.source = args.source;
    this.average = args.average;
  }

  /** The decay of the update made after `step` completed steps. */
  decayAt(step: number): number {
    return Math.min(this.decay, (1 + step) / (10 + step));
  }

  /** average ← d·average + (1 − d)·source, d = decayAt(step), for every weight (batch norm statistics too). */
  update(step: number): void {
    const d = this.decayAt(step);
    const to = this.average.weights;
    this.source.weights.forEach((w, i) => {
      const target = to[i]!;
      const next = tf.tidy(() => {
        const old = target.read();
        return old.add(w.read().sub(old).mul(1 - d));
      });
      target.write(next);
      next.dispose();
    });
  }

  /** Sets the average to the source's weights (a fresh start, or a warm start from weights without an average). */
  reset(): void {
    const to = this.average.weights;
    this.source.weights.forEach((w, i) => {
      const copy = tf.tidy(() => w.read().clone());
      to[i]!.write(copy);
      copy.dispose();
    });
  }
}
