import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import { BOUNCING_DIGITS_DEFAULTS, bouncingDigits } from '../datasets/synthetic/bouncingDigits.ts';

/** Single- or two-digit Bouncing MNIST clips (SBMG / TBMG), deterministic by seed. */
export const bouncingDigitsStage = defineSource({
  name: 'bouncing-digits',
  description: 'Synthetic bouncing MNIST digits with captions such as "digit 3 is moving left and right".',
  version: 1,
  kind: 'source',
  output: 'Clip',
  config: z.strictObject({
    digits: z.union([z.literal(1), z.literal(2)]).default(BOUNCING_DIGITS_DEFAULTS.digits),
    count: z.number().int().min(1),
    size: z.number().int().min(29).max(1024).default(BOUNCING_DIGITS_DEFAULTS.size),
    frames: z.number().int().min(2).max(10_000).default(BOUNCING_DIGITS_DEFAULTS.frames),
    speed: z.number().positive().default(BOUNCING_DIGITS_DEFAULTS.speed),
    seed: z.number().int(),
    /** `combinations`: val holds (digit, motion) pairs never seen in train; `random`: a random split. */
    split: z.enum(['combinations', 'random']).default(BOUNCING_DIGITS_DEFAULTS.split),
    valFraction: z.number().min(0).max(1).default(BOUNCING_DIGITS_DEFAULTS.valFraction),
  }),
  total: (config) => config.count,
  open: (config) => bouncingDigits(config),
});
