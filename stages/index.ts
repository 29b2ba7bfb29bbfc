import { StageRegistry } from '../pipeline/core/StageRegistry.ts';
import { annotateCaptionsStage } from './annotate-captions.ts';
import { batchStage } from './batch.ts';
import { bouncingDigitsStage } from './bouncing-digits.ts';
import { downloadStage } from './download.ts';
import { exportVideosStage } from './export-videos.ts';
import { extractFramesStage } from './extract-frames.ts';
import { filterCaptionsStage } from './filter-captions.ts';
import { kthSourceStage } from './kth-source.ts';
import { movingShapesStage } from './moving-shapes.ts';
import { mpiiSourceStage } from './mpii-source.ts';
import { msvdSourceStage } from './msvd-source.ts';
import { normalizeCaptionsStage } from './normalize-captions.ts';
import { previewStage } from './preview.ts';
import { readShardsStage } from './read-shards.ts';
import { writeShardsStage } from './write-shards.ts';
import { trainTgancStage } from './train-tganc.ts';
import { trainUnetStage } from './train-unet.ts';
import { trainStackVganStage } from './train-stackvgan.ts';
import { readCaptionsStage } from './read-captions.ts';
import { generateVideosStage } from './generate-videos.ts';
import { writeVideosStage } from './write-videos.ts';

/** Every stage type DAG files can use, by name. */
export function builtinStages(): StageRegistry {
  return new StageRegistry([
    // sources
    bouncingDigitsStage,
    movingShapesStage,
    msvdSourceStage,
    kthSourceStage,
    mpiiSourceStage,
    readShardsStage,
    downloadStage,
    readCaptionsStage,
    // transforms
    normalizeCaptionsStage,
    filterCaptionsStage,
    annotateCaptionsStage,
    extractFramesStage,
    batchStage,
    generateVideosStage,
    // sinks
    writeShardsStage,
    exportVideosStage,
    previewStage,
    trainTgancStage,
    trainUnetStage,
    trainStackVganStage,
    writeVideosStage,
  ]);
}
