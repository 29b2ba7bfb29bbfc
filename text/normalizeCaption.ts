/**
 * One canonical spelling per caption, so that duplicate detection, vocabulary counts and word-vector
 * look-ups see "A man  is slicing a tomato." and "a man is slicing a tomato" as the same sentence.
 */
export interface NormalizeCaptionOptions {
  /** Lower-case everything except MPII-MD's `SOMEONE` placeholder. Default true. */
  lowercase?: boolean;
}

// Typographic variants that annotators and scrapers produce; one ASCII form each keeps tokens stable.
const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B\u2032\u0060\u00B4\u02BC]/g;
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB\u301D\u301E]/g;
const DASHES = /[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63]/g;
// Zero-width and format characters are invisible but would split or glue words.
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
// Other control characters (tabs and newlines are whitespace and collapsed below).
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g;

// A run of sentence punctuation, possibly with spaces inside (". ." or "!!!" or "?!").
const PUNCT_RUN = /[.,!?;:](?:\s*[.,!?;:])+/g;
// A bullet or stray mark before the first word ("- a man walks", ", then he sits").
const LEADING_JUNK = /^[\s\-*\u2022.,;:!?]+/u;
const TRAILING_PUNCT = /[\s.,!?;:\-]+$/u;
// The placeholder as a whole word (`SOMEONE's` included, `SOMEONES` not).
const SOMEONE = /(?<![\p{L}\p{N}])SOMEONE(?![\p{L}\p{N}])/gu;

export function normalizeCaption(text: string, options: NormalizeCaptionOptions = {}): string {
  const lowercase = options.lowercase ?? true;
  // NFKC folds full-width letters and digits, ligatures and "…" to their plain forms; digits are kept.
  let s = text.normalize('NFKC');
  s = s.replace(INVISIBLE, '').replace(CONTROL, ' ');
  s = s.replace(SINGLE_QUOTES, "'").replace(DOUBLE_QUOTES, '"').replace(DASHES, '-');
  s = s.replace(/\s+/gu, ' ').trim();

  // No space before sentence punctuation ("walks in ." -> "walks in."), so runs can be seen as runs.
  s = s.replace(/\s+([.,!?;:])/g, '$1');
  s = s.replace(PUNCT_RUN, collapsePunctuation);

  s = s.replace(LEADING_JUNK, '');
  // Sentence-final punctuation is noise for a one-sentence caption; inner punctuation is kept
  // because MPII-MD captions can hold several sentences.
  s = s.replace(TRAILING_PUNCT, '');
  s = stripWrappingQuotes(s);

  if (lowercase) s = lowercaseKeepingSomeone(s);
  return s;
}

/** "!!!" -> "!", ". . ." -> ".", "?!" -> "?", ",." -> ".": the strongest mark of the run wins. */
function collapsePunctuation(run: string): string {
  const marks = run.replace(/\s+/g, '');
  for (const strong of ['?', '!', '.']) if (marks.includes(strong)) return strong;
  // Only , ; : left: none is clearly stronger, keep the first.
  return marks[0];
}

/** `"a man walks"` -> `a man walks`, but not `"hi" he says "bye"`. */
function stripWrappingQuotes(s: string): string {
  for (const q of ['"', "'"]) {
    if (s.length >= 2 && s.startsWith(q) && s.endsWith(q) && !s.slice(1, -1).includes(q)) {
      return s.slice(1, -1).trim().replace(TRAILING_PUNCT, '');
    }
  }
  return s;
}

function lowercaseKeepingSomeone(s: string): string {
  let out = '';
  let last = 0;
  for (const match of s.matchAll(SOMEONE)) {
    out += s.slice(last, match.index).toLowerCase() + match[0];
    last = match.index + match[0].length;
  }
  return out + s.slice(last).toLowerCase();
}
