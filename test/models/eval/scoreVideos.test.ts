/**
 * scoreVideos with a stub frame classifier (exact, no training): majority vote and consistency, empty
 * frames, motion against the caption, seen/unseen summaries, diversity; and the value-range conversion.
 * The trained classifier is exercised in trainEvaluator.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bouncingDigits, digitsCaption, heldOutPairs, type Motion } from '../../../datasets/synthetic/bouncingDigits.ts';
import type { Clip } from '../../../datasets/clip.ts';
import { DIGIT_CLASSES, type FrameDigitClassifier, type FramePredictions } from '../../../models/eval/DigitFrameClassifier.ts';
import type { GreyVideo } from '../../../models/eval/greyVideo.ts';
import { toGreyVideo } from '../../../models/eval/greyVideo.ts';
import { diversity, heldOutPredicate, scoreVideos, voteDigit } from '../../../models/eval/scoreVideos.ts';

const clips = [...bouncingDigits({ count: 40, seed: 21 })];

/** Frame predictions given per video as (digit or -1 for empty, probability) per frame, in call order. */
function stub(perVideo: [digit: number, p: number][][]): FrameDigitClassifier & { calls: GreyVideo[][] } {
  const calls: GreyVideo[][] = [];
  return {
    calls,
    predictFrames(videos: readonly GreyVideo[]): FramePredictions[] {
      calls.push([...videos]);
      assert.equal(videos.length, perVideo.length);
      return perVideo.map((frames, i) => {
        assert.equal(frames.length, videos[i].frames);
        const probabilities = new Float32Array(frames.length * DIGIT_CLASSES);
        const empty = new Uint8Array(frames.length);
        frames.forEach(([digit, p], t) => {
          if (digit < 0) {
            empty[t] = 1;
            return;
          }
          for (let k = 0; k < DIGIT_CLASSES; k++) probabilities[t * DIGIT_CLASSES + k] = k === digit ? p : (1 - p) / 9;
        });
        return { probabilities, empty };
      });
    },
  };
}

const digitOf = (clip: Clip) => (clip.attributes['digits'] as number[])[0];
const motionOf = (clip: Clip) => (clip.attributes['motions'] as Motion[])[0];
const all = (digit: number, p = 0.9, frames = 16): [number, number][] => Array.from({ length: frames }, () => [digit, p]);

test('real clips with right predictions score 100% on digit, motion and both', () => {
  const videos = clips.slice(0, 10);
  const report = scoreVideos(videos, stub(videos.map((c) => all(digitOf(c)))));
  assert.equal(report.overall.videos, 10);
  assert.equal(report.overall.digitAccuracy, 1);
  assert.equal(report.overall.motionAccuracy, 1);
  assert.equal(report.overall.bothAccuracy, 1);
  assert.equal(report.overall.meanConsistency, 1);
  assert.equal(report.overall.staticFraction, 0);
  for (const [i, s] of report.videos.entries()) {
    assert.equal(s.id, videos[i].id);
    assert.deepEqual(s.expected, { digit: digitOf(videos[i]), motion: motionOf(videos[i]) });
    assert.ok(Math.abs(s.digitConfidence - 0.9) < 1e-6);
    assert.deepEqual(s.frameDigits, new Array(16).fill(digitOf(videos[i])));
  }
  assert.equal(report.seen, undefined);
  assert.equal(report.unseen, undefined);
});

test('a video whose digit changes halfway has consistency 0.5; a tie goes to the larger summed probability', () => {
  const clip = clips[0];
  const d = digitOf(clip);
  const other = (d + 1) % 10;
  const first = [...all(d, 0.9, 8), ...all(other, 0.8, 8)];
  const second = [...all(d, 0.7, 8), ...all(other, 0.8, 8)];
  const report = scoreVideos([clip, clip], stub([first, second]));
  assert.equal(report.videos[0].digitConsistency, 0.5);
  assert.equal(report.videos[0].digit, d);
  assert.equal(report.videos[0].digitCorrect, true);
  assert.equal(report.videos[1].digitConsistency, 0.5);
  assert.equal(report.videos[1].digit, other);
  assert.equal(report.videos[1].digitCorrect, false);
  assert.equal(report.overall.meanConsistency, 0.5);
  assert.equal(report.overall.digitAccuracy, 0.5);
});

test('majority vote: 12 of 16 frames right gives the right digit at consistency 0.75', () => {
  const clip = clips[1];
  const d = digitOf(clip);
  const frames = all(d).map(([digit, p], t): [number, number] => (t % 4 === 3 ? [(digit + 3) % 10, 0.99] : [digit, p]));
  const [score] = scoreVideos([clip], stub([frames])).videos;
  assert.equal(score.digit, d);
  assert.equal(score.digitConsistency, 0.75);
});

test('empty frames never agree; an all-empty video has digit -1', () => {
  const vote = voteDigit(new Float32Array(4 * DIGIT_CLASSES), Uint8Array.from([1, 1, 1, 1]));
  assert.deepEqual(vote, { digit: -1, consistency: 0, confidence: 0, frameDigits: [-1, -1, -1, -1] });
  const clip = clips[2];
  const d = digitOf(clip);
  const frames = all(d).map(([digit, p], t): [number, number] => (t < 8 ? [-1, 0] : [digit, p]));
  const [score] = scoreVideos([clip], stub([frames])).videos;
  assert.equal(score.digit, d);
  assert.equal(score.digitConsistency, 0.5);
  assert.equal(score.frameDigits.filter((x) => x === -1).length, 8);
});

test('a clip moving the wrong way has motionCorrect false (and bothCorrect false)', () => {
  const clip = clips[3];
  const wrong: Motion = motionOf(clip) === 'horizontal' ? 'vertical' : 'horizontal';
  const video = { ...clip, caption: digitsCaption([{ digit: digitOf(clip), motion: wrong }]) };
  const [score] = scoreVideos([video], stub([all(digitOf(clip))])).videos;
  assert.equal(score.motion, motionOf(clip));
  assert.equal(score.digitCorrect, true);
  assert.equal(score.motionCorrect, false);
  assert.equal(score.bothCorrect, false);
});

test("a static video never matches the caption's motion", () => {
  const clip = clips[4];
  const frames = new Uint8Array(clip.frames.length);
  for (let t = 0; t < 16; t++) frames.set(clip.frames.subarray(0, 4096), t * 4096);
  const report = scoreVideos([{ frames, shape: clip.shape, caption: clip.caption }], stub([all(digitOf(clip))]));
  assert.equal(report.videos[0].motion, 'static');
  assert.equal(report.videos[0].motionCorrect, false);
  assert.equal(report.overall.staticFraction, 1);
});

test('seen and unseen pairs are summarised separately', () => {
  const seed = 21;
  const held = heldOutPairs(seed, 0.2);
  const isUnseen = heldOutPredicate(seed, 0.2);
  const videos = clips;
  const unseenCount = videos.filter((c) => held.some((p) => p.digit === digitOf(c) && p.motion === motionOf(c))).length;
  assert.ok(unseenCount > 0 && unseenCount < videos.length, `${unseenCount} unseen of ${videos.length}`);
  // Right digits on seen videos, wrong on unseen ones.
  const report = scoreVideos(
    videos,
    stub(videos.map((c) => all(isUnseen({ digit: digitOf(c), motion: motionOf(c) }) ? (digitOf(c) + 1) % 10 : digitOf(c)))),
    { isUnseen },
  );
  assert.equal(report.unseen?.videos, unseenCount);
  assert.equal(report.seen?.videos, videos.length - unseenCount);
  assert.equal(report.seen?.digitAccuracy, 1);
  assert.equal(report.unseen?.digitAccuracy, 0);
  assert.equal(report.unseen?.motionAccuracy, 1);
  assert.equal(report.videos.filter((s) => s.unseen).length, unseenCount);
});

test('diversity is 0 for identical videos (collapse) and > 0 otherwise', () => {
  const [a, b, c] = clips;
  const same = diversity([a, a, a]);
  assert.equal(same.meanDistance, 0);
  assert.equal(same.minDistance, 0);
  assert.equal(same.pairs, 3);
  assert.equal(same.collapsed, true);
  const different = diversity([a, b, c]);
  assert.ok(different.meanDistance > 0.05, `distance ${different.meanDistance}`);
  assert.ok(different.meanDistance <= 1);
  assert.equal(different.collapsed, false);
  // One pixel changed: > 0, but still a collapse.
  const nearly = Uint8Array.from(a.frames);
  nearly[100] ^= 0xff;
  const tiny = diversity([a, { frames: nearly, shape: a.shape }]);
  assert.ok(tiny.meanDistance > 0 && tiny.collapsed);
  // Black vs white is the maximum.
  const black = { frames: new Uint8Array(64), shape: [1, 8, 8, 1] };
  const white = { frames: new Uint8Array(64).fill(255), shape: [1, 8, 8, 1] };
  assert.equal(diversity([black, white]).meanDistance, 1);
});

test('diversity compares values, not encodings, and checks its input', () => {
  const a = clips[0];
  const asTanh = { frames: Float32Array.from(a.frames, (v) => (v / 255) * 2 - 1), shape: a.shape };
  assert.ok(diversity([a, asTanh]).meanDistance < 1e-6);
  assert.throws(() => diversity([a]), /at least 2/);
  assert.throws(() => diversity([a, { frames: new Uint8Array(8 * 4096), shape: [8, 64, 64, 1] }]), /same shape/);
});

test('scoreVideos reports diversity per caption shared by several videos', () => {
  const shared = clips.map((c) => c.caption).find((caption, i, captions) => captions.indexOf(caption) !== i)!;
  const [a, b] = clips.filter((c) => c.caption === shared);
  const report = scoreVideos([a, a, a, b], stub([all(0), all(0), all(0), all(0)]));
  assert.equal(report.diversity.length, 1);
  assert.equal(report.diversity[0].caption, a.caption);
  assert.equal(report.diversity[0].videos, 4);
  assert.ok(report.diversity[0].meanDistance > 0 && report.diversity[0].minDistance === 0);
  assert.equal(report.meanDiversity, report.diversity[0].meanDistance);
  const collapsed = scoreVideos([a, a], stub([all(0), all(0)]));
  assert.equal(collapsed.collapsedCaptions, 1);
  // Only the first `diversityVideos` videos of a caption are compared (pairwise cost is quadratic).
  const capped = scoreVideos([a, a, a, b, b], stub([all(0), all(0), all(0), all(0), all(0)]), { diversityVideos: 3 });
  assert.equal(capped.diversity[0].videos, 3);
  assert.equal(capped.diversity[0].meanDistance, 0);
  // A caption shown once has no diversity entry.
  assert.deepEqual(scoreVideos([a, clips.find((c) => c.caption !== shared)!], stub([all(0), all(0)])).diversity, []);
});

test('toGreyVideo reads bytes, tanh and unit floats, averages channels and checks the shape', () => {
  const bytes = toGreyVideo({ frames: Uint8Array.from([0, 51, 255, 255]), shape: [1, 2, 2, 1] });
  assert.deepEqual([...bytes.data], [0, 0.2, 1, 1].map(Math.fround));
  const tanh = toGreyVideo({ frames: Float32Array.from([-1, 0, 1, 3]), shape: [1, 1, 4, 1] });
  assert.deepEqual([...tanh.data], [0, 0.5, 1, 1]);
  const unit = toGreyVideo({ frames: Float32Array.from([0.25, Number.NaN]), shape: [1, 1, 2, 1], valueRange: '[0,1]' });
  assert.deepEqual([...unit.data], [0.25, 0]);
  const rgb = toGreyVideo({ frames: Uint8Array.from([255, 0, 0, 255, 255, 255]), shape: [1, 1, 2, 3] });
  assert.deepEqual([...rgb.data], [1 / 3, 1].map(Math.fround));
  assert.throws(() => toGreyVideo({ frames: new Uint8Array(5), shape: [1, 2, 2, 1] }), RangeError);
  assert.throws(() => toGreyVideo({ frames: new Uint8Array(4), shape: [2, 2, 1] }), RangeError);
});
