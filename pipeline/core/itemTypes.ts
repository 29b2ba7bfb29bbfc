import type { Clip } from '../../datasets/clip.ts';
import type { VideoSegment } from '../../datasets/segment.ts';
import type { ClipBatch } from '../../datasets/batch.ts';
import type { CaptionItem } from '../../text/captionItem.ts';

/**
 * The item types that flow along DAG edges, by the name stage types declare. Validation checks that
 * each edge joins an output and an input of the same name; TypeScript checks each stage's code against
 * the type behind the name. Later layers add their items here (batches, tensors, videos).
 */
export interface ItemTypes {
  Clip: Clip;
  /** A part of a real video with captions, before frames are extracted. */
  VideoSegment: VideoSegment;
  /** Clips grouped for a training step. */
  ClipBatch: ClipBatch;
  /** One caption of a caption file, for generation. */
  Caption: CaptionItem;
  /** Any JSON-able record; used by generic and test stages. */
  Record: Record<string, unknown>;
}

export type ItemTypeName = keyof ItemTypes;

export const ITEM_TYPE_NAMES: readonly ItemTypeName[] = ['Clip', 'VideoSegment', 'ClipBatch', 'Caption', 'Record'];

/** A short id for an item in logs and rejects: its `id` field when it has one. */
export function itemLabel(item: unknown, fallbackIndex: number): string {
  if (item !== null && typeof item === 'object' && 'id' in item) {
    const id = (item as { id: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return `#${fallbackIndex}`;
}
