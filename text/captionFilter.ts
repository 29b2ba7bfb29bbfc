import { tokenize } from '../datasets/clip.ts';
import { normalizeCaption } from './normalizeCaption.ts';

/**
 * Drops captions a caption-conditioned GAN cannot learn from: empty ones, one-word fragments,
 * paragraph-long ones (they get truncated anyway), and the same sentence repeated for one clip (MSVD
 * has many: repeats over-weight that sentence). Language filtering is the readers' job.
 */
export interface CaptionFilterOptions {
  /** Fewest words (clip.ts `tokenize`), inclusive. Default 1. */
  minWords?: number;
  /** Most words, inclusive. Default no limit. */
  maxWords?: number;
  /** Reject a caption equal (after normalizeCaption) to one already accepted for the same clip. Default true. */
  dedupe?: boolean;
}

export type CaptionRejection = 'empty' | 'too-short' | 'too-long' | 'duplicate';

export type CaptionCheck = { ok: true } | { ok: false; reason: CaptionRejection; detail: string };

export class CaptionFilter {
  readonly minWords: number;
  readonly maxWords: number;
  readonly dedupe: boolean;
  /** Accepted normalized captions per clip id; duplicates are only duplicates within one clip. */
  private readonly seen = new Map<string, Set<string>>();
  private readonly counts: Record<'accepted' | CaptionRejection, number> = {
    accepted: 0,
    empty: 0,
    'too-short': 0,
    'too-long': 0,
    duplicate: 0,
  };

  constructor(options: CaptionFilterOptions = {}) {
    this.minWords = options.minWords ?? 1;
    this.maxWords = options.maxWords ?? Number.POSITIVE_INFINITY;
    this.dedupe = options.dedupe ?? true;
    if (!Number.isInteger(this.minWords) || this.minWords < 0) throw new RangeError(`minWords must be a whole number >= 0, got ${this.minWords}`);
    if (this.maxWords !== Number.POSITIVE_INFINITY && (!Number.isInteger(this.maxWords) || this.maxWords < this.minWords)) {
      throw new RangeError(`maxWords must be a whole number >= minWords (${this.minWords}), got ${this.maxWords}`);
    }
  }

  /** Checks one caption and, if accepted, remembers it for duplicate detection. */
  check(clipId: string, caption: string): CaptionCheck {
    const normalized = normalizeCaption(caption);
    const words = tokenize(normalized).length;
    let result: CaptionCheck;
    if (words === 0) result = { ok: false, reason: 'empty', detail: 'no words' };
    else if (words < this.minWords) result = { ok: false, reason: 'too-short', detail: `${words} word(s), fewer than ${this.minWords}` };
    else if (words > this.maxWords) result = { ok: false, reason: 'too-long', detail: `${words} words, more than ${this.maxWords}` };
    else if (this.dedupe && this.seen.get(clipId)?.has(normalized)) {
      result = { ok: false, reason: 'duplicate', detail: `same caption already accepted for clip ${clipId}` };
    } else {
      result = { ok: true };
      if (this.dedupe) {
        let set = this.seen.get(clipId);
        if (!set) this.seen.set(clipId, (set = new Set()));
        set.add(normalized);
      }
    }
    this.counts[result.ok ? 'accepted' : result.reason]++;
    return result;
  }

  /** How many captions were accepted and rejected for each reason so far (for run summaries). */
  stats(): Readonly<Record<'accepted' | CaptionRejection, number>> {
    return { ...this.counts };
  }
}
