/** RangeErrors naming the field, for the `validate…Args` functions of the models. */

export function positiveInteger(name: string, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 1)) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}

/** A non-empty list of positive integers (network channel widths). */
export function channelList(name: string, list: number[]): void {
  if (!Array.isArray(list) || list.length === 0) {
    throw new RangeError(`${name} must be a non-empty array of positive integers, got ${JSON.stringify(list)}`);
  }
  list.forEach((c, i) => positiveInteger(`${name}[${i}]`, c));
}

/** A finite number > 0 (a learning rate). */
export function positiveNumber(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number, got ${value}`);
}

/** A finite number >= 0 (a loss weight). */
export function nonNegativeNumber(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}

/** A number in [0, 1) (Adam's betas). */
export function unitFraction(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0 && value < 1)) throw new RangeError(`${name} must be in [0, 1), got ${value}`);
}

/** Every entry of a record through `check`, named `${prefix}.${key}` (learningRates.generator, …). */
export function eachEntry<T extends { [K in keyof T]: number }>(prefix: string, record: T, check: (name: string, value: number) => void): void {
  for (const [key, value] of Object.entries(record) as [string, number][]) check(`${prefix}.${key}`, value);
}
