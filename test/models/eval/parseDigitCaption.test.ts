import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allPairs, bouncingDigits, digitsCaption } from '../../../datasets/synthetic/bouncingDigits.ts';
import { parseDigitCaption } from '../../../models/eval/parseDigitCaption.ts';
import { singleDigitAttributes } from '../../../models/eval/scoreVideos.ts';

test('parses single-digit captions', () => {
  assert.deepEqual(parseDigitCaption('digit 3 is moving left and right'), [{ digit: 3, motion: 'horizontal' }]);
  assert.deepEqual(parseDigitCaption('digit 0 is moving up and down'), [{ digit: 0, motion: 'vertical' }]);
});

test('ignores case, extra white space and a final full stop', () => {
  assert.deepEqual(parseDigitCaption('  Digit 9 is  moving\tUp and Down. '), [{ digit: 9, motion: 'vertical' }]);
});

test('parses two-digit captions in order', () => {
  assert.deepEqual(parseDigitCaption('digit 7 is moving up and down and digit 2 is moving left and right'), [
    { digit: 7, motion: 'vertical' },
    { digit: 2, motion: 'horizontal' },
  ]);
});

test('is the inverse of digitsCaption for every pair, and of every generated caption', () => {
  for (const pair of allPairs()) assert.deepEqual(parseDigitCaption(digitsCaption([pair])), [pair]);
  for (const clip of bouncingDigits({ count: 50, seed: 4, digits: 2 })) {
    const digits = clip.attributes['digits'] as number[];
    const motions = clip.attributes['motions'] as string[];
    assert.deepEqual(
      parseDigitCaption(clip.caption),
      digits.map((digit, k) => ({ digit, motion: motions[k] })),
    );
  }
});

test('rejects anything else', () => {
  for (const caption of [
    '',
    'digit 3 is moving',
    'digit 3 is moving diagonally',
    'digit 12 is moving left and right',
    'digit 3 is moving left and right and',
    'digit 3 is moving left and right and digit',
    'the digit 3 is moving left and right',
    'digit 3 is moving left and right quickly',
    'a person is walking',
  ]) {
    assert.throws(() => parseDigitCaption(caption), RangeError, caption);
  }
});

test('scoring needs exactly one digit', () => {
  assert.deepEqual(singleDigitAttributes('digit 4 is moving up and down'), { digit: 4, motion: 'vertical' });
  assert.throws(() => singleDigitAttributes('digit 7 is moving up and down and digit 2 is moving left and right'), /single-digit/);
});
