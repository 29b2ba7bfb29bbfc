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
