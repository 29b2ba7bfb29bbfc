import type { Split } from '../clip.ts';
import { Random } from '../../utils/random.ts';

/**
 * Which split clip `index` belongs to, exactly proportional by index: among any run of n consecutive
 * clips, round(n * valFraction) (give or take one) are val. Deterministic in (seed, source, index) alone,
 * so a single clip can be regenerated for resuming, and small datasets still get their share of val clips
 * (a per-clip coin flip could leave val empty for count = 20). A seeded phase offset keeps different seeds
 * from always putting val at the same indices.
 */
export function proportionalSplit(seed: number, source: string, index: number, valFraction: number): Split {
  if (valFraction <= 0) return 'train';
  if (valFraction >= 1) return 'val';
  const phase = Random.derive(seed, source, 'split-phase').float();
  return Math.floor((index + 1) * valFraction + phase) > Math.floor(index * valFraction + phase) ? 'val' : 'train';
}

/** A per-clip coin flip with P(val) = valFraction, for `split: 'random'`. Draws exactly one number from rng. */
export function randomSplit(rng: Random, valFraction: number): Split {
  return rng.float() < valFraction ? 'val' : 'train';
}
