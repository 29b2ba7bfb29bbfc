/**
 * Scoring generated single-digit Bouncing MNIST videos against their captions (models.md, "How results
 * are judged"):
 *
 * - digit: each frame is classified by a DigitFrameClassifier trained on real clips; the video's digit is
 *   the majority vote over frames (ties: the larger summed probability), and `digitConsistency` is the
 *   fraction of all frames agreeing with it (temporal identity consistency; empty frames never agree);
 * - motion: motionOfClip (centroid trajectory; 'static' never matches a caption);
 * - against the caption's parsed attributes: digitCorrect, motionCorrect, bothCorrect;
 * - aggregates over all videos and, given `isUnseen`, separately over seen and unseen (held-out)
 *   (digit, motion) pairs, e.g. `isUnseen: heldOutPredicate(datasetSeed, valFraction)`;
 * - diversity: videos sharing a caption (same caption, different noise) are compared pairwise.
 *
 * Video values: a Uint8Array is read as [0, 255], a Float32Array as [-1, 1] (tanh output); set
 * `valueRange` on a video to say otherwise ('[0,255]' | '[-1,1]' | '[0,1]'). Shape [T, H, W, C], C
 * averaged to grey. Only single-digit captions are scored (a two-digit caption is a RangeError).
 */
import { heldOutPairs, pairKey, type DigitMotionPair } from '../../datasets/synthetic/bouncingDigits.ts';
import { DIGIT_CLASSES, type FrameDigitClassifier } from './DigitFrameClassifier.ts';
import { toGreyVideo, type CentroidOptions, type GreyVideo, type VideoFrames } from './greyVideo.ts';
import { motionOfClip, type ClipMotion, type MotionEstimate, type MotionOptions } from './motionOfClip.ts';
import { parseDigitCaption } from './parseDigitCaption.ts';

export interface VideoToScore extends VideoFrames {
  caption: string;
  id?: string;
}

export interface VideoScore {
  id?: string;
  caption: string;
  expected: DigitMotionPair;
  /** Majority digit over frames, -1 if every frame was empty. */
  digit: number;
  /** Fraction of the frames whose predicted digit is `digit` (0..1). */
  digitConsistency: number;
  /** Mean probability the classifier gave `digit` over the non-empty frames. */
  digitConfidence: number;
  /** Predicted digit per frame, -1 for an empty frame. */
  frameDigits: number[];
  motion: ClipMotion;
  motionDetail: Omit<MotionEstimate, 'trajectory' | 'motion'>;
  digitCorrect: boolean;
  motionCorrect: boolean;
  bothCorrect: boolean;
  /** Present when an isUnseen predicate was given. */
  unseen?: boolean;
}

export interface AccuracySummary {
  videos: number;
  digitAccuracy: number;
  motionAccuracy: number;
  bothAccuracy: number;
  meanConsistency: number;
  /** Fraction of videos found static. */
  staticFraction: number;
  /** Mean jitter of the moving videos (motionOfClip), 0 if none moved. */
  meanJitter: number;
}

export interface DiversityResult {
  videos: number;
  pairs: number;
  /**
   * Mean over pairs of the root-mean-square per-pixel difference, pixels scaled to [0, 1]: 0 = identical
   * videos, 1 = one all black where the other is all white. Two real clips of one caption are typically
   * ~0.2 apart (different positions, handwriting).
   */
  meanDistance: number;
  minDistance: number;
  /** meanDistance < collapseThreshold. */
  collapsed: boolean;
}

export interface CaptionDiversity extends DiversityResult {
  caption: string;
}

export interface ScoreReport {
  videos: VideoScore[];
  overall: AccuracySummary;
  /** Present when an isUnseen predicate was given (undefined inside when no video fell in that group). */
  seen?: AccuracySummary | undefined;
  unseen?: AccuracySummary | undefined;
  /** One entry per (digit, motion) caption shared by ≥ 2 videos (its first `diversityVideos` videos). */
  diversity: CaptionDiversity[];
  /** Mean of diversity[].meanDistance, undefined without any shared caption. */
  meanDiversity?: number;
  collapsedCaptions: number;
}

export interface ScoreOptions {
  /** Which (digit, motion) pairs were held out of training (unseen); splits the summary. */
  isUnseen?: (pair: DigitMotionPair) => boolean;
  motion?: MotionOptions;
  centroid?: CentroidOptions;
  /** Diversity below this is a collapse. Default 0.02. */
  collapseThreshold?: number;
  /** At most this many videos per caption enter the (pairwise, quadratic) diversity. Default 16. */
  diversityVideos?: number;
}

export const DEFAULT_COLLAPSE_THRESHOLD = 0.02;
export const DEFAULT_DIVERSITY_VIDEOS = 16;
/** Videos converted and classified at a time. */
const SCORE_CHUNK = 64;

/** isUnseen for the held-out pairs of a bouncingDigits dataset made with split 'combinations'. */
export function heldOutPredicate(seed: number, valFraction: number): (pair: DigitMotionPair) => boolean {
  const held = new Set(heldOutPairs(seed, valFraction).map(pairKey));
  return (pair) => held.has(pairKey(pair));
}

/** The one (digit, motion) pair of a single-digit caption. */
export function singleDigitAttributes(caption: string): DigitMotionPair {
  const pairs = parseDigitCaption(caption);
  if (pairs.length !== 1) throw new RangeError(`scoreVideos scores single-digit captions; '${caption}' names ${pairs.length} digits`);
  return pairs[0];
}

/** Majority digit, its consistency and mean confidence from per-frame probabilities. */
export function voteDigit(probabilities: Float32Array, empty: Uint8Array): { digit: number; consistency: number; confidence: number; frameDigits: number[] } {
  const frames = empty.length;
  const frameDigits: number[] = [];
  const votes = new Array<number>(DIGIT_CLASSES).fill(0);
  const mass = new Array<number>(DIGIT_CLASSES).fill(0);
  for (let t = 0; t < frames; t++) {
    if (empty[t]) {
      frameDigits.push(-1);
      continue;
    }
    let best = 0;
    for (let k = 0; k < DIGIT_CLASSES; k++) {
      const p = probabilities[t * DIGIT_CLASSES + k];
      mass[k] += p;
      if (p > probabilities[t * DIGIT_CLASSES + best]) best = k;
    }
    votes[best]++;
    frameDigits.push(best);
  }
  const filled = frames - empty.reduce((a, b) => a + b, 0);
  if (filled === 0) return { digit: -1, consistency: 0, confidence: 0, frameDigits };
  let digit = 0;
  for (let k = 1; k < DIGIT_CLASSES; k++) {
    if (votes[k] > votes[digit] || (votes[k] === votes[digit] && mass[k] > mass[digit])) digit = k;
  }
  return { digit, consistency: votes[digit] / frames, confidence: mass[digit] / filled, frameDigits };
}

function summarise(scores: readonly VideoScore[]): AccuracySummary | undefined {
  if (scores.length === 0) return undefined;
  const mean = (f: (s: VideoScore) => number) => scores.reduce((a, s) => a + f(s), 0) / scores.length;
  const moving = scores.filter((s) => s.motion !== 'static');
  return {
    videos: scores.length,
    digitAccuracy: mean((s) => Number(s.digitCorrect)),
    motionAccuracy: mean((s) => Number(s.motionCorrect)),
    bothAccuracy: mean((s) => Number(s.bothCorrect)),
    meanConsistency: mean((s) => s.digitConsistency),
    staticFraction: mean((s) => Number(s.motion === 'static')),
    meanJitter: moving.length === 0 ? 0 : moving.reduce((a, s) => a + s.motionDetail.jitter, 0) / moving.length,
  };
}

/** Score every video; see the module comment. */
export function scoreVideos(videos: readonly VideoToScore[], classifier: FrameDigitClassifier, options: ScoreOptions = {}): ScoreReport {
  const expected = videos.map((v) => singleDigitAttributes(v.caption));
  const motionOptions: MotionOptions = { ...options.motion, centroid: options.motion?.centroid ?? options.centroid };
  const perCaption = options.diversityVideos ?? DEFAULT_DIVERSITY_VIDEOS;
  // Videos kept (as grey) for diversity: the first `perCaption` of every caption shown by ≥ 2 videos.
  const counts = new Map<string, number>();
  for (const e of expected) counts.set(pairKey(e), (counts.get(pairKey(e)) ?? 0) + 1);
  const groups = new Map<string, { caption: string; videos: GreyVideo[] }>();

  const scores: VideoScore[] = [];
  // In chunks, so only CHUNK videos are held as floats at a time (plus the diversity samples).
  for (let start = 0; start < videos.length; start += SCORE_CHUNK) {
    const chunk = videos.slice(start, start + SCORE_CHUNK);
    const greys = chunk.map((v) => toGreyVideo(v));
    const predictions = classifier.predictFrames(greys, { centroid: options.centroid });
    chunk.forEach((video, k) => {
      const want = expected[start + k];
      const key = pairKey(want);
      if ((counts.get(key) ?? 0) >= 2) {
        const group = groups.get(key) ?? groups.set(key, { caption: video.caption, videos: [] }).get(key)!;
        if (group.videos.length < perCaption) group.videos.push(greys[k]);
      }
      const vote = voteDigit(predictions[k].probabilities, predictions[k].empty);
      const { trajectory: _trajectory, motion, ...motionDetail } = motionOfClip(greys[k], motionOptions);
      const digitCorrect = vote.digit === want.digit;
      const motionCorrect = motion === want.motion;
      scores.push({
        ...(video.id !== undefined && { id: video.id }),
        caption: video.caption,
        expected: want,
        digit: vote.digit,
        digitConsistency: vote.consistency,
        digitConfidence: vote.confidence,
        frameDigits: vote.frameDigits,
        motion,
        motionDetail,
        digitCorrect,
        motionCorrect,
        bothCorrect: digitCorrect && motionCorrect,
        ...(options.isUnseen && { unseen: options.isUnseen(want) }),
      });
    });
  }

  const diversityList: CaptionDiversity[] = [...groups.values()].map((group) => ({
    caption: group.caption,
    ...diversity(group.videos, options),
  }));
  const report: ScoreReport = {
    videos: scores,
    overall: summarise(scores) ?? summariseEmpty(),
    diversity: diversityList,
    collapsedCaptions: diversityList.filter((d) => d.collapsed).length,
  };
  if (diversityList.length > 0) report.meanDiversity = diversityList.reduce((a, d) => a + d.meanDistance, 0) / diversityList.length;
  if (options.isUnseen) {
    report.seen = summarise(scores.filter((s) => !s.unseen));
    report.unseen = summarise(scores.filter((s) => s.unseen));
  }
  return report;
}

function summariseEmpty(): AccuracySummary {
  return { videos: 0, digitAccuracy: 0, motionAccuracy: 0, bothAccuracy: 0, meanConsistency: 0, staticFraction: 0, meanJitter: 0 };
}

/**
 * Diversity of videos made from one caption with different noise: mean pairwise RMS per-pixel distance
 * (pixels in [0, 1]; 0 = identical) and a collapse flag. All videos must have the same shape.
 */
export function diversity(videos: readonly (VideoFrames | GreyVideo)[], options: { collapseThreshold?: number } = {}): DiversityResult {
  const greys = videos.map((v) => toGreyVideo(v));
  if (greys.length < 2) throw new RangeError(`diversity needs at least 2 videos (got ${greys.length})`);
  const n = greys[0].data.length;
  for (const g of greys) {
    if (g.frames !== greys[0].frames || g.height !== greys[0].height || g.width !== greys[0].width) {
      throw new RangeError('diversity: all videos must have the same shape');
    }
  }
  let sum = 0;
  let min = Infinity;
  let pairs = 0;
  for (let i = 0; i < greys.length; i++) {
    for (let j = i + 1; j < greys.length; j++) {
      const a = greys[i].data;
      const b = greys[j].data;
      let squares = 0;
      for (let p = 0; p < n; p++) squares += (a[p] - b[p]) ** 2;
      const distance = Math.sqrt(squares / n);
      sum += distance;
      min = Math.min(min, distance);
      pairs++;
    }
  }
  const meanDistance = sum / pairs;
  return {
    videos: greys.length,
    pairs,
    meanDistance,
    minDistance: min,
    collapsed: meanDistance < (options.collapseThreshold ?? DEFAULT_COLLAPSE_THRESHOLD),
  };
}
