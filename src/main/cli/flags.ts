/**
 * Flag parsing shared by every command: node:util parseArgs with its multi-line errors cut to
 * the first sentence, and integer values checked against their range. Each problem is one
 * E_BAD_REQUEST line naming the flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { badRequest } from '../../shared/errors';

export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (err) {
    // node's message goes on with advice about '--'; the first sentence is the problem.
    badRequest(`${command}: ${(err as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '')}`);
  }
}

/** An integer flag value in [min, max]; undefined when the flag is absent. */
export function integerFlag(flag: string, value: string | undefined, min: number, max = Number.POSITIVE_INFINITY): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    badRequest(`--${flag} must be an integer ${Number.isFinite(max) ? `in [${min}, ${max}]` : `>= ${min}`}, got '${value}'`);
  }
  return n;
}
