import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATION_CACHE_ENTRIES, annotateCaption, annotationCacheStats, clearAnnotationCache } from '../../text/annotateCaption.ts';
import { ACTION_VERBS, isActionVerb } from '../../text/actionVerbs.ts';

/** Caption -> expected action lemmas, MSVD / MPII-MD / synthetic style. */
const ACTION_CASES: [caption: string, actions: string[]][] = [
  // The required ones.
  ['a man is slicing a tomato', ['slice']],
  ['SOMEONE walks in', ['walk']],
  ['digit 3 is moving left and right', ['move']],
  ['a woman cuts an onion', ['cut']],
  ['the man rides a horse and waves', ['ride', 'wave']],
  ['a cat on a table', []],
  // wink tags these present-tense verbs NOUN.
  ['a woman peels a potato', ['peel']],
  ['a man chops an onion', ['chop']],
  ['a girl dances on stage', ['dance']],
  ['a man drives a car', ['drive']],
  ['a boy kicks a soccer ball', ['kick']],
  ['a cat drinks milk', ['drink']],
  ['a man boxes a punching bag', ['box']],
  ['SOMEONE hugs SOMEONE.', ['hug']],
  ['SOMEONE stares at the ceiling.', ['stare']],
  ['the man waves and smiles', ['wave', 'smile']],
  ['the ball rolls right', ['roll']],
  ['the square slides left and right', ['slide']],
  ['digit 7 moves left then right', ['move']],
  ['the digit 1 bounces up and down while digit 8 moves left and right', ['bounce', 'move']],
  ['people dance in a water slide park', ['dance']],
  ['two boys box in a ring', ['box']],
  // Progressive and coordination.
  ['someone is frying an egg', ['fry']],
  ['two men are fighting', ['fight']],
  ['a man is slicing and dicing an onion', ['slice', 'dice']],
  ['a woman slices tomatoes and adds salt', ['slice', 'add']],
  ['the chef slices cucumbers and puts them in a bowl', ['slice', 'put']],
  // MPII-MD, several sentences and the "in." tokenizer quirk.
  ['SOMEONE walks in. He sits down.', ['walk', 'sit']],
  ['SOMEONE opens the door and steps inside.', ['open', 'step']],
  ['SOMEONE runs up the stairs, then stops.', ['run', 'stop']],
  ['He shuts his eyes and leans back.', ['shut', 'lean']],
  ["SOMEONE's hand shakes.", ['shake']],
  ['SOMEONE leaves.', ['leave']],
  // "left": a verb after a subject, a direction after a verb.
  ['SOMEONE left the room.', ['leave']],
  ['She turns left and walks away.', ['turn', 'walk']],
  // Nouns that are verbs elsewhere, auxiliaries, no verb at all.
  ['a cook stirs the soup', ['stir']],
  ['a dance class', []],
  ['a man has a gun', []],
  ['the dog is on the bed', []],
  ['a man does a flip', []],
  ['the boy jumps over the fence', ['jump']],
  ['a dog catches a frisbee', ['catch']],
];

test('annotateCaption finds the action verbs', () => {
  const failures: string[] = [];
  for (const [caption, expected] of ACTION_CASES) {
    const actions = annotateCaption(caption).actions;
    if (JSON.stringify(actions) !== JSON.stringify(expected)) failures.push(`${caption}: got ${JSON.stringify(actions)}, want ${JSON.stringify(expected)}`);
  }
  assert.deepEqual(failures, []);
});

test('annotateCaption tokens, lemmas, indices and the "in." split', () => {
  const a = annotateCaption('SOMEONE walks in.');
  assert.deepEqual(a.tokens, ['SOMEONE', 'walks', 'in', '.']);
  assert.deepEqual(a.lemmas, ['someone', 'walk', 'in', '.']);
  assert.equal(a.pos.length, a.tokens.length);
  assert.equal(a.pos[3], 'PUNCT');
  assert.deepEqual(a.actionIndices, [1]);
  assert.equal(a.someone, true);
  assert.deepEqual(a.entities, [{ text: 'SOMEONE', type: 'SOMEONE', start: 0, end: 1 }]);

  const b = annotateCaption('A Man Is Slicing A Tomato');
  assert.deepEqual(b.tokens, ['a', 'man', 'is', 'slicing', 'a', 'tomato']);
  assert.deepEqual(b.actionIndices, [3]);
  assert.equal(b.someone, false);
  assert.equal(annotateCaption('someone is frying an egg').someone, false, 'lower-case someone is an ordinary pronoun');
});

test("annotateCaption keeps wink's entities with token spans", () => {
  const a = annotateCaption('SOMEONE left the room at 5 pm on Monday.');
  assert.deepEqual(
    a.entities.map(({ text, type, start, end }) => [text, type, a.tokens.slice(start, end).join(' ')]),
    [
      ['SOMEONE', 'SOMEONE', 'SOMEONE'],
      ['5 pm', 'TIME', '5 pm'],
      ['Monday', 'DATE', 'monday'],
    ],
  );
  const digits = annotateCaption('digit 3 is moving left and right');
  assert.deepEqual(digits.entities, [{ text: '3', type: 'CARDINAL', start: 1, end: 2 }]);
  assert.deepEqual(digits.tokens, ['digit', '3', 'is', 'moving', 'left', 'and', 'right']);
});

test('action verb list: a few hundred lemmas, the required ones, no auxiliaries', () => {
  assert.ok(ACTION_VERBS.size >= 300, `${ACTION_VERBS.size} verbs`);
  for (const verb of ['walk', 'run', 'jog', 'box', 'wave', 'clap', 'slice', 'cut', 'cook', 'pour', 'ride', 'dance', 'play', 'swim', 'jump', 'drive', 'eat', 'drink', 'talk', 'sing', 'fight', 'throw', 'catch', 'kick', 'climb', 'open', 'close', 'sit', 'stand', 'turn', 'look', 'smile', 'move', 'bounce', 'fly', 'roll', 'spin', 'slide']) {
    assert.ok(isActionVerb(verb), verb);
  }
  for (const aux of ['be', 'have', 'do']) assert.equal(isActionVerb(aux), false, aux);
  for (const verb of ACTION_VERBS) assert.match(verb, /^[a-z]+$/);
});

test('annotateCaption caches by caption text: repeats are hits with equal results', () => {
  clearAnnotationCache();
  const caption = 'a man is slicing a tomato while SOMEONE waves';
  const first = annotateCaption(caption);
  assert.deepEqual(annotationCacheStats(), { entries: 1, hits: 0, misses: 1 });
  const second = annotateCaption(caption);
  assert.deepEqual(annotationCacheStats(), { entries: 1, hits: 1, misses: 1 });
  assert.deepEqual(second, first);
  // Another spelling is another caption (NFKC and lower-casing are applied after the lookup).
  annotateCaption(caption.toUpperCase());
  assert.deepEqual(annotationCacheStats(), { entries: 2, hits: 1, misses: 2 });
});

test('annotateCaption results share nothing with the cache or each other', () => {
  clearAnnotationCache();
  const caption = 'SOMEONE left the room at 5 pm on Monday.';
  const pristine = structuredClone(annotateCaption(caption));
  const a = annotateCaption(caption);
  a.tokens.push('x');
  a.pos[0] = 'X';
  a.lemmas.length = 0;
  a.actions.push('fly');
  a.actionIndices[0] = 99;
  a.entities[0].text = 'changed';
  a.entities.pop();
  a.someone = false;
  assert.deepEqual(annotateCaption(caption), pristine);
  const [b, c] = [annotateCaption(caption), annotateCaption(caption)];
  assert.notEqual(b.tokens, c.tokens);
  assert.notEqual(b.entities[0], c.entities[0]);
});

test('annotateCaption cache is bounded and evicts the least recently used caption', () => {
  clearAnnotationCache();
  const caption = (i: number) => `digit ${i} moves left`;
  annotateCaption(caption(0));
  annotateCaption(caption(1));
  for (let i = 2; i < ANNOTATION_CACHE_ENTRIES; i++) annotateCaption(caption(i));
  assert.equal(annotationCacheStats().entries, ANNOTATION_CACHE_ENTRIES);
  annotateCaption(caption(0)); // now the most recently used; caption 1 is the oldest
  annotateCaption(caption(ANNOTATION_CACHE_ENTRIES)); // one too many: evicts caption 1
  assert.equal(annotationCacheStats().entries, ANNOTATION_CACHE_ENTRIES);
  const { hits, misses } = annotationCacheStats();
  annotateCaption(caption(0));
  assert.deepEqual(annotationCacheStats(), { entries: ANNOTATION_CACHE_ENTRIES, hits: hits + 1, misses }, 'caption 0 was kept');
  annotateCaption(caption(1));
  assert.deepEqual(annotationCacheStats(), { entries: ANNOTATION_CACHE_ENTRIES, hits: hits + 1, misses: misses + 1 }, 'caption 1 was evicted');
  clearAnnotationCache();
});
