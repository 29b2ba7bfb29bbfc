import type { StageContext } from '../../pipeline/core/StageContext.ts';
import { isReject, type ReaderItem, type VideoSegment } from '../../datasets/segment.ts';

/** A reader's output as a source stage's items: rejects are recorded (or fail the run, per onError). */
export async function* segmentsOf(items: AsyncIterable<ReaderItem>, context: StageContext): AsyncGenerator<VideoSegment> {
  for await (const item of items) {
    if (isReject(item)) await context.reject(item.item, item.reason);
    else yield item;
  }
}
