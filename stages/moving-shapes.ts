import { z } from 'zod';
import { defineSource } from '../pipeline/core/StageType.ts';
import { MOVING_SHAPES_DEFAULTS, movingShapes } from '../datasets/synthetic/movingShapes.ts';

/** Coloured shapes moving in a straight line, e.g. "a small red circle is moving up". */
export const movingShapesStage = defineSource({
  name: 'moving-shapes',
  description: 'Synthetic moving shapes: shape x colour x size x direction, deterministic by seed.',
  version: 1,
  kind: 'source',
  output: 'Clip',
  config: z.strictObject({
    count: z.number().int().min(1),
    size: z.number().int().min(16).max(1024).default(MOVING_SHAPES_DEFAULTS.size),
    frames: z.number().int().min(2).max(10_000).default(MOVING_SHAPES_DEFAULTS.frames),
    speed: z.number().min(0).default(MOVING_SHAPES_DEFAULTS.speed),
    seed: z.number().int(),
    /** `combinations`: val captions never occur in train; `random`: a random split. */
    split: z.enum(['combinations', 'random']).default(MOVING_SHAPES_DEFAULTS.split),
    valFraction: z.number().min(0).max(1).default(MOVING_SHAPES_DEFAULTS.valFraction),
  }),
  total: (config) => config.count,
  open: (config) => movingShapes(config),
});
