import { createRequire } from 'node:module';
import type { Detail, ItsFunction, Model, WinkMethods } from 'wink-nlp';
import { isActionVerb, isAuxiliary } from './actionVerbs.ts';

/**
 * Per-caption linguistic annotation: tokens, POS, lemmas, the action verbs (what the video must show)
 * and entities. Action-conditioned GANs and dataset statistics ("which actions does MSVD cover?") use
 * `actions`; `someone` flags MPII-MD's anonymised character placeholder.
 */
export interface CaptionEntity {
  /** The entity's words as written (case kept). */
  text: string;
  /** wink's type (CARDINAL, DATE, TIME, ...) or `SOMEONE`. */
  type: string;
  /** Token indices into `tokens`: `start` inclusive, `end` exclusive. */
  start: number;
  end: number;
}

export interface CaptionAnnotation {
  /** Lower-case tokens except `SOMEONE`; punctuation marks are tokens of their own. */
  tokens: string[];
  /** wink's Universal POS tag per token (a hint only: present-tense verbs often come out as NOUN). */
  pos: string[];
  /** wink's lemma per token (`SOMEONE` -> `someone`). */
  lemmas: string[];
  /** Lemmas of the action verbs, in caption order (repeats kept). */
  actions: string[];
  /** Token index of each action, parallel to `actions`. */
  actionIndices: number[];
  entities: CaptionEntity[];
  /** The caption mentions MPII-MD's `SOMEONE`. */
  someone: boolean;
}

// ---------------------------------------------------------------------------------------------------
// The model takes about a second to load and some memory, so it is loaded on first use, once.

let nlpInstance: WinkMethods | undefined;

function nlp(): WinkMethods {
  if (!nlpInstance) {
    // Both packages are CommonJS; createRequire keeps this module ESM.
    const require = createRequire(import.meta.url);
    const winkNLP = require('wink-nlp') as (model: Model) => WinkMethods;
    const model = require('wink-eng-lite-web-model') as Model;
    nlpInstance = winkNLP(model);
  }
  return nlpInstance;
}

// ---------------------------------------------------------------------------------------------------
// Pre-processing.

// wink reads "in." as one NOUN token (apparently an abbreviation, as for inches), so "SOMEONE walks
// in." loses the verb particle and the full stop. A space before word-final . ! ? (when followed by a
// space, a closing quote/bracket or the end) fixes that; real abbreviations and dotted words (e.g.,
// U.S.) are left alone. Decimals ("3.5") are not word-final and are untouched.
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'st', 'jr', 'sr', 'prof', 'vs', 'etc']);
const WORD_FINAL_PUNCT = /(?<![^\s"'(\[])([^\s.!?"'()\[\]]+)([.!?]+)(?=[\s"')\]]|$)/gu;

function separateFinalPunctuation(caption: string): string {
  return caption.replace(WORD_FINAL_PUNCT, (whole, word: string, punct: string) =>
    ABBREVIATIONS.has(word.toLowerCase()) && punct === '.' ? whole : `${word} ${punct}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// The action heuristic, applied left to right. A token is an action when its lemma (or, when wink
// lemmatised it as a noun, a verb reading of its surface form) is in the action verb list, it is not an
// auxiliary, and:
//   1. wink tagged it VERB, unless a determiner or possessive is right before it ("his walk") or it is
//      the direction word "left" (wink: VERB, lemma "leave") after a verb ("moving left and right");
//   2. otherwise (NOUN/ADJ/... tag) the context says verb, looking back past adverbs:
//      a. "-s" form after a subject ("a woman cuts", "digit 3 moves", "SOMEONE hugs");
//      b. base form after a plural subject ("people dance", "they box");
//      c. "-ing" form after a form of "be" ("is boxing");
//      d. after "and" / "or" / "," coordinating with an earlier action of the same sentence in the same
//         form ("rides a horse and waves", "is slicing and dicing").
// A subject is a noun, proper noun, number, SOMEONE or a personal pronoun (not his/her/them/...),
// or an adjective right after a determiner (wink's "the square" = ADJ), that is not itself an action.

const DETERMINER_LIKE = new Set(['DET', 'PART']); // PART covers the possessive 's.
const POSSESSIVE_OR_OBJECT = new Set(['his', 'her', 'its', 'their', 'my', 'your', 'our', 'whose', 'him', 'them', 'me', 'us']);
const PLURAL_PRONOUNS = new Set(['they', 'we', 'you', 'i']);
const PLURAL_NOUNS = new Set(['people', 'police', 'cattle', 'sheep', 'deer', 'fish', 'children', 'men', 'women', 'folks']);
const COORDINATORS = new Set(['and', 'or', ',', '&']);
const SENTENCE_END = new Set(['.', '!', '?', ';']);

type Inflection = 's' | 'ing' | 'ed' | 'base';

function inflection(token: string, lemma: string): Inflection {
  if (token === lemma) return 'base';
  if (token.endsWith('ing')) return 'ing';
  if (token.endsWith('s')) return 's';
  return 'ed';
}

/** Verb lemmas a surface form could have, for words wink lemmatised as nouns ("leaves" -> "leaf"). */
function verbReadings(token: string): string[] {
  const out: string[] = [];
  if (token.endsWith('ies')) out.push(`${token.slice(0, -3)}y`);
  if (token.endsWith('es')) out.push(token.slice(0, -2));
  if (token.endsWith('s')) out.push(token.slice(0, -1));
  for (const suffix of ['ing', 'ed']) {
    if (!token.endsWith(suffix)) continue;
    const stem = token.slice(0, -suffix.length);
    out.push(stem, `${stem}e`);
    if (stem.length > 2 && stem.at(-1) === stem.at(-2)) out.push(stem.slice(0, -1)); // "cutting" -> "cut"
    if (suffix === 'ed' && stem.endsWith('i')) out.push(`${stem.slice(0, -1)}y`); // "carried" -> "carry"
  }
  return out;
}

function actionLemma(token: string, lemma: string): string | undefined {
  if (isAuxiliary(lemma)) return undefined;
  if (isActionVerb(lemma)) return lemma;
  return verbReadings(token).find((reading) => isActionVerb(reading) && !isAuxiliary(reading));
}

// ---------------------------------------------------------------------------------------------------
// Datasets repeat captions (KTH derives one per action and scenario; MSVD and MPII-MD have many
// identical sentences), so annotations are cached by caption text, least recently used out first.

/** Captions whose annotation is kept. An entry is a few hundred bytes to a few KiB. */
export const ANNOTATION_CACHE_ENTRIES = 4096;

const cache = new Map<string, CaptionAnnotation>();
let cacheHits = 0;
let cacheMisses = 0;

/**
 * The annotation of one caption (see CaptionAnnotation). Each call returns a fresh object the caller
 * may change freely: it shares nothing with the cache or with other calls' results.
 */
export function annotateCaption(caption: string): CaptionAnnotation {
  let annotation = cache.get(caption);
  if (annotation) {
    cacheHits++;
    // Map keeps insertion order: re-inserting makes this the most recently used entry.
    cache.delete(caption);
  } else {
    cacheMisses++;
    annotation = annotate(caption);
    if (cache.size >= ANNOTATION_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  }
  cache.set(caption, annotation);
  return copyAnnotation(annotation);
}

/** Cache figures, for tests and benchmarks. */
export function annotationCacheStats(): { entries: number; hits: number; misses: number } {
  return { entries: cache.size, hits: cacheHits, misses: cacheMisses };
}

/** Empties the annotation cache and zeroes its counters. */
export function clearAnnotationCache(): void {
  cache.clear();
  cacheHits = 0;
  cacheMisses = 0;
}

function copyAnnotation(a: CaptionAnnotation): CaptionAnnotation {
  return {
    tokens: a.tokens.slice(),
    pos: a.pos.slice(),
    lemmas: a.lemmas.slice(),
    actions: a.actions.slice(),
    actionIndices: a.actionIndices.slice(),
    entities: a.entities.map((entity) => ({ ...entity })),
    someone: a.someone,
  };
}

function annotate(caption: string): CaptionAnnotation {
  const winkNlp = nlp();
  const its = winkNlp.its;
  const doc = winkNlp.readDoc(separateFinalPunctuation(caption.normalize('NFKC')));
  const raw = doc.tokens().out() as string[];
  const pos = doc.tokens().out(its.pos) as string[];
  // The bundled typings declare its.lemma with a third `addons` parameter that out() does not accept.
  const lemmas = (doc.tokens().out(its.lemma as unknown as ItsFunction<string>) as string[]).map((lemma) => lemma.toLowerCase());
  const tokens = raw.map((token) => (token === 'SOMEONE' ? token : token.toLowerCase()));

  const isAction = new Array<boolean>(tokens.length).fill(false);
  const actions: string[] = [];
  const actionIndices: number[] = [];
  let sentenceActions: Inflection[] = []; // forms of the actions seen in the current sentence

  /** Index of the previous token that is not an adverb (or -1). */
  const previous = (i: number): number => {
    let j = i - 1;
    while (j >= 0 && pos[j] === 'ADV') j--;
    return j;
  };
  const isSubject = (j: number): boolean => {
    if (j < 0 || isAction[j]) return false;
    if (tokens[j] === 'SOMEONE') return true;
    switch (pos[j]) {
      case 'NOUN':
      case 'PROPN':
      case 'NUM':
        return true;
      case 'PRON':
        return !POSSESSIVE_OR_OBJECT.has(tokens[j]);
      case 'ADJ':
        return j > 0 && pos[j - 1] === 'DET';
      default:
        return false;
    }
  };
  const isPluralSubject = (j: number): boolean =>
    isSubject(j) &&
    (PLURAL_PRONOUNS.has(tokens[j]) || PLURAL_NOUNS.has(tokens[j]) || (pos[j] === 'NOUN' && tokens[j] !== lemmas[j] && tokens[j].endsWith('s')));

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (SENTENCE_END.has(token)) sentenceActions = [];
    const lemma = actionLemma(token, lemmas[i]);
    if (lemma === undefined) continue;
    const form = inflection(token, lemmas[i]);
    const j = previous(i);
    let action: boolean;
    if (pos[i] === 'VERB') {
      const afterDeterminer = i > 0 && (DETERMINER_LIKE.has(pos[i - 1]) || POSSESSIVE_OR_OBJECT.has(tokens[i - 1]));
      const direction = token === 'left' && !(isSubject(j) || lemmas[j] === 'have');
      action = !afterDeterminer && !direction;
    } else if (form === 's' && isSubject(j)) action = true;
    else if (form === 'base' && isPluralSubject(j)) action = true;
    else if (form === 'ing' && j >= 0 && lemmas[j] === 'be') action = true;
    else action = j >= 0 && COORDINATORS.has(tokens[j]) && sentenceActions.includes(form);
    if (!action) continue;
    isAction[i] = true;
    actions.push(lemma);
    actionIndices.push(i);
    sentenceActions.push(form);
  }

  const entities: CaptionEntity[] = [];
  // wink spans are inclusive token ranges; its tokens are ours one for one (no re-splitting above).
  const spans = doc.entities().out(its.span) as unknown as [number, number][];
  const details = doc.entities().out(its.detail) as unknown as Detail[];
  spans.forEach(([start, end], k) => entities.push({ text: details[k].value, type: details[k].type, start, end: end + 1 }));
  tokens.forEach((token, i) => {
    if (token === 'SOMEONE') entities.push({ text: token, type: 'SOMEONE', start: i, end: i + 1 });
  });
  entities.sort((a, b) => a.start - b.start || a.end - b.end);

  return { tokens, pos, lemmas, actions, actionIndices, entities, someone: tokens.includes('SOMEONE') };
}
