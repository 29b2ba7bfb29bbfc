import type { Clip } from './clip.ts';

/** A group of clips a training step consumes together; numbered in stream order. */
export interface ClipBatch {
  /** 0, 1, 2, … in the order batches were formed. */
  index: number;
  clips: Clip[];
}
