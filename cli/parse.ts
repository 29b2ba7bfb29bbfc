import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../pipeline/errors/index.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node's parseArgs with its errors turned into one-line usage errors. */
export function parse<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}\nusage: ${usage}`);
  }
}

export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new UsageError(`--${name} takes a whole number, got "${value}"`);
  return number;
}

/** A truncation ψ flag: a number in (0, 1]. */
export function truncationFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(value.trim() !== '' && number > 0 && number <= 1)) throw new UsageError(`--truncation takes a number in (0, 1] (1: none), got "${value}"`);
  return number;
}

export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} takes one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}
