import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptionFilter } from '../../text/captionFilter.ts';

test('CaptionFilter: min and max words (inclusive)', () => {
  const filter = new CaptionFilter({ minWords: 3, maxWords: 5, dedupe: false });
  assert.deepEqual(filter.check('a', 'a man'), { ok: false, reason: 'too-short', detail: '2 word(s), fewer than 3' });
  assert.deepEqual(filter.check('a', 'a man walks'), { ok: true });
  assert.deepEqual(filter.check('a', 'a man walks his dog'), { ok: true });
  assert.deepEqual(filter.check('a', 'a man walks his dog!'), { ok: true }, 'punctuation is not a word');
  const long = filter.check('a', 'a man walks his big dog');
  assert.equal(long.ok, false);
  assert.equal(!long.ok && long.reason, 'too-long');
  const empty = filter.check('a', ' ... ');
  assert.equal(!empty.ok && empty.reason, 'empty');
});

test('CaptionFilter: duplicates are per clip, after normalization', () => {
  const filter = new CaptionFilter({ minWords: 1, maxWords: 20, dedupe: true });
  assert.equal(filter.check('clip1', 'A man is slicing a tomato.').ok, true);
  const again = filter.check('clip1', '  a man is  slicing a tomato ');
  assert.equal(again.ok, false);
  assert.equal(!again.ok && again.reason, 'duplicate');
  assert.equal(filter.check('clip2', 'a man is slicing a tomato').ok, true, 'same caption, other clip');
  assert.equal(filter.check('clip1', 'a man is slicing an onion').ok, true);
  assert.deepEqual(filter.stats(), { accepted: 3, empty: 0, 'too-short': 0, 'too-long': 0, duplicate: 1 });
});

test('CaptionFilter: dedupe false accepts repeats', () => {
  const loose = new CaptionFilter({ minWords: 1, maxWords: 10, dedupe: false });
  assert.equal(loose.check('c', 'a man walks').ok, true);
  assert.equal(loose.check('c', 'a man walks').ok, true);
});

test('CaptionFilter rejects impossible options', () => {
  assert.throws(() => new CaptionFilter({ minWords: 5, maxWords: 2 }), RangeError);
  assert.throws(() => new CaptionFilter({ minWords: -1 }), RangeError);
});
