/** captionBreakdown: per-caption accuracy, worst first, with what was drawn instead. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captionBreakdown, describeMistakes } from '../../../models/eval/captionBreakdown.ts';
import type { VideoScore } from '../../../models/eval/scoreVideos.ts';
import type { ClipMotion } from '../../../models/eval/motionOfClip.ts';

/** A scored video of `caption` (digit d, motion m expected) in which `digit` and `motion` were seen. */
function video(caption: string, digit: number, motion: ClipMotion, unseen?: boolean): VideoScore {
  const [, d, m] = /^digit (\d) is moving (.*)$/.exec(caption)!;
  const expected = { digit: Number(d), motion: m === 'left and right' ? 'horizontal' as const : 'vertical' as const };
  return {
    caption,
    expected,
    digit,
    digitConsistency: 1,
    digitConfidence: 1,
    frameDigits: [digit],
    motion,
    motionDetail: { dx: 0, dy: 0, jitter: 0 } as unknown as VideoScore['motionDetail'],
    digitCorrect: digit === expected.digit,
    motionCorrect: motion === expected.motion,
    bothCorrect: digit === expected.digit && motion === expected.motion,
    ...(unseen !== undefined ? { unseen } : {}),
  };
}

const A = 'digit 3 is moving left and right';
const B = 'digit 1 is moving up and down';
const C = 'digit 7 is moving up and down';

test('one row per caption, worst first, with accuracies and the wrong digits and motions most frequent first', () => {
  const rows = captionBreakdown([
    video(B, 1, 'vertical', false),
    video(A, 5, 'horizontal', true),
    video(B, 1, 'vertical', false),
    video(A, 3, 'horizontal', true),
    video(C, 7, 'horizontal', false),
    video(A, 5, 'horizontal', true),
    video(A, 2, 'static', true),
    video(C, 7, 'vertical', false),
  ]);
  assert.deepEqual(rows.map((r) => r.caption), [A, C, B]);
  const [a, c, b] = rows;
  assert.deepEqual(
    { videos: a!.videos, both: a!.bothAccuracy, digit: a!.digitAccuracy, motion: a!.motionAccuracy, unseen: a!.unseen },
    { videos: 4, both: 0.25, digit: 0.25, motion: 0.75, unseen: true },
  );
  assert.deepEqual(a!.wrongDigits, [{ digit: 5, count: 2 }, { digit: 2, count: 1 }]);
  assert.deepEqual(a!.wrongMotions, [{ motion: 'static', count: 1 }]);
  assert.equal(describeMistakes(a!), 'drew 5 x2, 2 x1; moved static x1');
  assert.deepEqual({ both: c!.bothAccuracy, digit: c!.digitAccuracy, motion: c!.motionAccuracy, unseen: c!.unseen }, { both: 0.5, digit: 1, motion: 0.5, unseen: false });
  assert.equal(describeMistakes(c!), 'moved horizontal x1');
  assert.equal(b!.bothAccuracy, 1);
  assert.deepEqual([b!.wrongDigits, b!.wrongMotions], [[], []]);
  assert.equal(describeMistakes(b!), '');
});

test('ties keep the order captions first appear in; no seen/unseen split leaves `unseen` out; an empty video reads "nothing"', () => {
  const rows = captionBreakdown([video(C, 7, 'vertical'), video(B, 1, 'vertical'), video(A, -1, 'horizontal')]);
  assert.deepEqual(rows.map((r) => r.caption), [A, C, B]);
  assert.ok(!('unseen' in rows[0]!));
  assert.equal(describeMistakes(rows[0]!), 'drew nothing x1');
  assert.deepEqual(captionBreakdown([]), []);
});
