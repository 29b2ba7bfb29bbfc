/**
 * Scores per caption: which captions a model gets wrong, and what it draws instead. A model at 88% can
 * be perfect on 30 captions and poor on 4; the summary alone hides that, and which digits it confuses
 * says what to train next.
 */
import type { ClipMotion } from './motionOfClip.ts';
import type { VideoScore } from './scoreVideos.ts';

export interface CaptionScore {
  caption: string;
  /** Present when the scores were split into seen and unseen. */
  unseen?: boolean;
  videos: number;
  bothAccuracy: number;
  digitAccuracy: number;
  motionAccuracy: number;
  /** How often each wrong digit was drawn (-1: every frame empty), most frequent first. */
  wrongDigits: { digit: number; count: number }[];
  /** How often each wrong motion was seen, most frequent first. */
  wrongMotions: { motion: ClipMotion; count: number }[];
}

/** One row per caption, worst (both-right accuracy) first; ties keep the captions' first-seen order. */
export function captionBreakdown(videos: readonly VideoScore[]): CaptionScore[] {
  const groups = new Map<string, VideoScore[]>();
  for (const v of videos) (groups.get(v.caption) ?? groups.set(v.caption, []).get(v.caption)!).push(v);
  const rows = [...groups].map(([caption, group]): CaptionScore => {
    const share = (pick: (v: VideoScore) => boolean) => group.filter(pick).length / group.length;
    return {
      caption,
      ...(group[0]!.unseen !== undefined ? { unseen: group[0]!.unseen } : {}),
      videos: group.length,
      bothAccuracy: share((v) => v.bothCorrect),
      digitAccuracy: share((v) => v.digitCorrect),
      motionAccuracy: share((v) => v.motionCorrect),
      wrongDigits: tally(group.filter((v) => !v.digitCorrect).map((v) => v.digit)).map(([digit, count]) => ({ digit, count })),
      wrongMotions: tally(group.filter((v) => !v.motionCorrect).map((v) => v.motion)).map(([motion, count]) => ({ motion, count })),
    };
  });
  return rows.map((row, i) => ({ row, i })).sort((a, b) => a.row.bothAccuracy - b.row.bothAccuracy || a.i - b.i).map(({ row }) => row);
}

/** Counts of each value, most frequent first (ties: first seen first). */
function tally<T>(values: readonly T[]): [T, number][] {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map((entry, i) => ({ entry, i })).sort((a, b) => b.entry[1] - a.entry[1] || a.i - b.i).map(({ entry }) => entry);
}

/** "drew 2 x5, 8 x1; moved left-right x2" for a row's mistakes, '' when it has none. */
export function describeMistakes(row: CaptionScore): string {
  const digits = row.wrongDigits.map(({ digit, count }) => `${digit === -1 ? 'nothing' : digit} x${count}`).join(', ');
  const motions = row.wrongMotions.map(({ motion, count }) => `${motion} x${count}`).join(', ');
  return [digits && `drew ${digits}`, motions && `moved ${motions}`].filter((s) => s !== '').join('; ');
}
