import { StageRegistry } from '../pipeline/core/StageRegistry.ts';
import { bouncingDigitsStage } from './bouncing-digits.ts';
import { exportVideosStage } from './export-videos.ts';
import { movingShapesStage } from './moving-shapes.ts';
import { previewStage } from './preview.ts';
import { readShardsStage } from './read-shards.ts';
import { writeShardsStage } from './write-shards.ts';

/** Every stage type DAG files can use, by name. */
export function builtinStages(): StageRegistry {
  return new StageRegistry([bouncingDigitsStage, movingShapesStage, readShardsStage, writeShardsStage, exportVideosStage, previewStage]);
}
