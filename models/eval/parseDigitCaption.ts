/**
 * Reading the attributes back out of a Bouncing MNIST caption (the inverse of bouncingDigits'
 * digitsCaption): `digit 3 is moving left and right` → [{digit: 3, motion: 'horizontal'}], and the
 * two-digit form `digit 7 is moving up and down and digit 2 is moving left and right` → two pairs.
 * Case, runs of white space and a final full stop are ignored; anything else that is not that grammar is
 * a RangeError naming the caption.
 */
import { MOTIONS, MOTION_WORDS, type DigitMotionPair, type Motion } from '../../datasets/synthetic/bouncingDigits.ts';

const WORDS_TO_MOTION = new Map<string, Motion>(MOTIONS.map((m) => [MOTION_WORDS[m], m]));
const CLAUSE = new RegExp(`digit (\\d) is moving (${MOTIONS.map((m) => MOTION_WORDS[m]).join('|')})`, 'y');

export function parseDigitCaption(caption: string): DigitMotionPair[] {
  const text = caption.toLowerCase().trim().replace(/\s+/g, ' ').replace(/\s*\.$/, '');
  const pairs: DigitMotionPair[] = [];
  let at = 0;
  for (;;) {
    CLAUSE.lastIndex = at;
    const match = CLAUSE.exec(text);
    if (match === null) break;
    pairs.push({ digit: Number(match[1]), motion: WORDS_TO_MOTION.get(match[2])! });
    at = CLAUSE.lastIndex;
    if (!text.startsWith(' and ', at)) break;
    at += ' and '.length;
  }
  if (pairs.length === 0 || at !== text.length) {
    throw new RangeError(`not a bouncing-digits caption ("digit D is moving left and right|up and down"[ and ...]): '${caption}'`);
  }
  return pairs;
}
