/**
 * The starting output bias of a tanh generator that matches a dataset's mean pixel, for
 * `outputBias: auto`: a generator whose pixels start at mid-grey spends its first hundreds of steps only
 * learning that the background is black, while the discriminators win on that alone.
 */
import type { Dataset } from '../../datasets/shards/Dataset.ts';

/** Clips of the train split that `outputBias: auto` averages. */
export const OUTPUT_BIAS_CLIPS = 64;

/** atanh(2·mean - 1) for a mean pixel in [0, 1], kept within ±3 (tanh' would vanish beyond). */
export function tanhBiasForMean(mean: number): number {
  if (!(mean >= 0 && mean <= 1)) throw new RangeError(`mean pixel must be in [0, 1], got ${mean}`);
  const y = Math.min(Math.max(2 * mean - 1, -Math.tanh(3)), Math.tanh(3));
  return Math.atanh(y);
}

/** The mean pixel (in [0, 1]) of the first `limit` train clips, in write order (no shuffle: deterministic). */
export async function meanPixel(dataset: Dataset, limit = OUTPUT_BIAS_CLIPS): Promise<number> {
  let sum = 0;
  let count = 0;
  for await (const clip of dataset.stream({ split: 'train', limit })) {
    for (const byte of clip.frames) sum += byte;
    count += clip.frames.length;
  }
  if (count === 0) throw new RangeError(`${dataset.dir}: no train clips to take the mean pixel of`);
  return sum / count / 255;
}
