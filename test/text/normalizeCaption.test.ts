import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeCaption } from '../../text/normalizeCaption.ts';

const CASES: [input: string, expected: string][] = [
  ['  A man  is\tslicing a tomato. ', 'a man is slicing a tomato'],
  ['A man\u00A0is\u3000playing\n a guitar', 'a man is playing a guitar'],
  ['\u201CHello,\u201D he says\u2026', '"hello," he says'],
  ['the man\u2019s dog \u2014 it runs', "the man's dog - it runs"],
  ['\u00ABquoted\u00BB and \u2018single\u2019', '"quoted" and \'single\''],
  ['a cat runs!!!', 'a cat runs'],
  ['a cat runs ?!', 'a cat runs'],
  ['he waits... then leaves.', 'he waits. then leaves'],
  ['a man , a woman ,, and a dog', 'a man, a woman, and a dog'],
  ['- a man walks', 'a man walks'],
  ['"a cat on a table."', 'a cat on a table'],
  ['"hi" he says "bye"', '"hi" he says "bye"'],
  ['Digit \uFF13 is moving left and right', 'digit 3 is moving left and right'],
  ['version 2.5 has 10 items.', 'version 2.5 has 10 items'],
  ['ze\u200Bro\uFEFF', 'zero'],
  ['   ', ''],
];

test('normalizeCaption: whitespace, quotes, dashes, punctuation, NFKC, digits', () => {
  for (const [input, expected] of CASES) assert.equal(normalizeCaption(input), expected, JSON.stringify(input));
});

test('normalizeCaption keeps MPII SOMEONE upper-case, only as a whole word', () => {
  assert.equal(normalizeCaption('SOMEONE Walks In. He Sits Down.'), 'SOMEONE walks in. he sits down');
  assert.equal(normalizeCaption('SOMEONE\u2019s eyes widen as SOMEONE enters'), "SOMEONE's eyes widen as SOMEONE enters");
  assert.equal(normalizeCaption('Someone says SOMEONES name'), 'someone says someones name');
});

test('normalizeCaption lowercase: false keeps case but still cleans', () => {
  assert.equal(normalizeCaption('  A Man  walks in . ', { lowercase: false }), 'A Man walks in');
});

test('normalizeCaption is idempotent', () => {
  for (const [input] of CASES) {
    const once = normalizeCaption(input);
    assert.equal(normalizeCaption(once), once, JSON.stringify(input));
  }
});
