import { UsageError } from '../errors/index.ts';

export type ParamValue = string | number | boolean;

const REFERENCE = /\$\{params\.([A-Za-z_][\w-]*)\}/g;

/** Names of the params a string refers to with `${params.x}`. */
export function referencedParams(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((match) => match[1]);
}

/**
 * Substitute `${params.x}` in a string. A string that is exactly one reference takes the param's own
 * type (so `count: ${params.count}` stays a number); otherwise values are spliced in as text.
 */
export function substituteParams(text: string, params: Record<string, ParamValue>): ParamValue {
  const whole = /^\$\{params\.([A-Za-z_][\w-]*)\}$/.exec(text);
  if (whole) return params[whole[1]];
  return text.replace(REFERENCE, (_, name: string) => String(params[name]));
}

/** Parse `--set name=value` pairs, typed like the param's default; unknown names are a usage error. */
export function applyOverrides(
  defaults: Record<string, ParamValue>,
  overrides: readonly string[],
  file: string,
): Record<string, ParamValue> {
  const params = { ...defaults };
  for (const pair of overrides) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes name=value, got "${pair}"`);
    const name = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    if (!(name in defaults)) {
      const known = Object.keys(defaults).sort().join(', ') || 'none';
      throw new UsageError(`unknown param "${name}" in --set for ${file} (known params: ${known})`);
    }
    params[name] = coerce(name, text, defaults[name]);
  }
  return params;
}

function coerce(name: string, text: string, like: ParamValue): ParamValue {
  if (typeof like === 'number') {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`param "${name}" takes a number, got "${text}"`);
    return value;
  }
  if (typeof like === 'boolean') {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new UsageError(`param "${name}" takes true or false, got "${text}"`);
  }
  return text;
}
