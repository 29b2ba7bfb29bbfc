/**
 * The evaluation of a caption-conditioned generator on bouncing digits: generated videos of the
 * dataset's train (seen) and val (unseen) captions, scored by the digit evaluator, summarised in one
 * flat record (for eval.csv and manifests).
 */
import { pairKey } from '../../datasets/synthetic/bouncingDigits.ts';
import type { FrameDigitClassifier } from './DigitFrameClassifier.ts';
import { scoreVideos, singleDigitAttributes, type AccuracySummary, type ScoreReport, type VideoToScore } from './scoreVideos.ts';

export interface CaptionVideoScores {
  videos: number;
  seenBoth: number;
  seenDigit: number;
  seenMotion: number;
  unseenBoth: number;
  unseenDigit: number;
  unseenMotion: number;
  /** Mean RMS pixel distance between videos of one caption (0 = identical). */
  diversity: number;
  collapsedCaptions: number;
}

/** Scores videos whose captions are in `unseenCaptions` as unseen, all others as seen. */
export function evaluateCaptionVideos(
  videos: readonly VideoToScore[],
  classifier: FrameDigitClassifier,
  unseenCaptions: Iterable<string>,
): { scores: CaptionVideoScores; report: ScoreReport } {
  const unseen = new Set([...unseenCaptions].map((c) => pairKey(singleDigitAttributes(c))));
  const report = scoreVideos(videos, classifier, { isUnseen: (pair) => unseen.has(pairKey(pair)) });
  const pick = (summary: AccuracySummary | undefined, key: 'bothAccuracy' | 'digitAccuracy' | 'motionAccuracy') => summary?.[key] ?? NaN;
  return {
    report,
    scores: {
      videos: videos.length,
      seenBoth: pick(report.seen, 'bothAccuracy'),
      seenDigit: pick(report.seen, 'digitAccuracy'),
      seenMotion: pick(report.seen, 'motionAccuracy'),
      unseenBoth: pick(report.unseen, 'bothAccuracy'),
      unseenDigit: pick(report.unseen, 'digitAccuracy'),
      unseenMotion: pick(report.unseen, 'motionAccuracy'),
      diversity: report.meanDiversity ?? NaN,
      collapsedCaptions: report.collapsedCaptions,
    },
  };
}
