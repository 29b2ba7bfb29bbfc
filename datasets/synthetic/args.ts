/**
 * Argument checks shared by the synthetic datasets. Generators are driven by YAML/CLI params, so a bad
 * value should fail loudly up front with a RangeError that names the argument, instead of producing
 * empty, clipped or silently wrong clips.
 */

export function checkInteger(where: string, name: string, value: unknown, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const bound = max === Infinity ? `>= ${min}` : `in ${min}..${max}`;
    throw new RangeError(`${where}: ${name} must be an integer ${bound} (got ${String(value)})`);
  }
  return value;
}

/** A finite number with min < value <= max (or min <= value when minInclusive). */
export function checkNumber(
  where: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  minInclusive = false,
): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (minInclusive ? value >= min : value > min) && value <= max;
  if (!ok) {
    const lower = minInclusive ? `${min} <=` : `${min} <`;
    throw new RangeError(`${where}: ${name} must be a number with ${lower} ${name} <= ${max} (got ${String(value)})`);
  }
  return value as number;
}

export function checkOneOf<T extends string | number>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${where}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

/** Random access must stay inside the dataset, or resuming at a bad offset would invent clips. */
export function checkIndex(where: string, index: unknown, count: number): number {
  return checkInteger(where, 'index', index, 0, count - 1);
}

/** Zero-padded clip id, e.g. `sbmg-000042`. */
export function clipId(source: string, index: number): string {
  return `${source}-${String(index).padStart(6, '0')}`;
}
