import type { CaptionRecord, Split } from './clip.ts';

/**
 * A piece of a real video with its captions, before frames are extracted: what dataset readers
 * (MSVD, KTH, MPII-MD) emit and the frame extraction stage turns into a Clip.
 */
export interface VideoSegment {
  /** Unique within the dataset (readers make repeated ids unique). */
  id: string;
  /** Dataset name: `msvd`, `kth`, `mpii`. */
  source: string;
  split: Split;
  /** A video file, or a folder of frame images (`0001.jpg`, … in name order). */
  media: { kind: 'video'; path: string } | { kind: 'frames'; dir: string; fps: number };
  /**
   * The part of the media to use: seconds from the start of the file, or 1-based inclusive frame
   * numbers (KTH's ranges). Absent: the whole file.
   */
  range?: { unit: 'seconds'; start: number; end: number } | { unit: 'frames'; start: number; end: number };
  /** One or more captions; the first is the primary one. */
  captions: string[];
  /** Parallel to `captions` once the annotate stage has run. */
  annotations?: CaptionRecord[];
  /** `human` for annotators' captions, `derived` for captions made from labels (KTH). */
  captionSource: 'human' | 'derived';
  /** Dataset labels kept in the shard index (action, person, scenario, movie, times, …). */
  attributes: Record<string, unknown>;
}

/** Something a reader could not turn into a segment, with the reason (goes to rejects.jsonl). */
export interface ReaderReject {
  reject: true;
  /** The clip or row it concerns, e.g. `-4wsuPCjDBc_5_15` or `captions.csv:17`. */
  item: string;
  reason: string;
}

export type ReaderItem = VideoSegment | ReaderReject;

export function isReject(item: ReaderItem): item is ReaderReject {
  return (item as ReaderReject).reject === true;
}
