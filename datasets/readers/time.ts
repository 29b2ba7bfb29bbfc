/**
 * Seconds from an MPII-MD / LSMDC time `hh.mm.ss.mmm`, e.g. `00.00.51.926` → 51.926 (rounded to the
 * millisecond). Hours may have any number of digits; minutes and seconds two digits below 60; the fraction
 * one to three digits (`.9` is 0.9 s). Anything else gives `undefined`.
 */
export function parseHmsMs(text: string): number | undefined {
  const m = /^(\d+)\.(\d{2})\.(\d{2})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (min >= 60 || s >= 60) return undefined;
  const ms = Number(m[4].padEnd(3, '0'));
  return (h * 3600_000 + min * 60_000 + s * 1000 + ms) / 1000;
}
