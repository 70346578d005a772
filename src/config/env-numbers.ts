import { z } from 'zod';

/**
 * Numbers from the environment, written in plain decimal digits — as the commands' options are
 * (src/cli/cli-args.ts). z.coerce.number() took PORT=0x10 as port 16, INFERENCE_POOL_SIZE=" 4" as
 * 4 and ANALYSIS_TIMEOUT_MS=1e4 as 10000 without a word, and for INFERENCE_WORKERS=abc said
 * "Invalid input: expected number, received NaN", naming neither the value nor the range. The
 * digits are checked on the string, then the number's bounds (kept on a ZodNumber, where the
 * README check reads them); each refusal names the range and the value given.
 */
function fromEnv(pattern: RegExp, kind: string, min: number, max: number | undefined, int: boolean) {
  const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
  const error = (issue: { input?: unknown }) => `must be ${kind} ${range}, in plain digits${int ? '' : ' (a fraction such as 0.5 allowed)'} (got "${String(issue.input)}")`;
  let number = z.coerce.number<string>().min(min, { error });
  if (int) number = number.int({ error });
  if (max !== undefined) number = number.max(max, { error });
  return z.string().regex(pattern, { error }).pipe(number);
}

/** A whole number within [min, max]: ASCII digits only. */
export const wholeFromEnv = (min: number, max?: number) => fromEnv(/^[0-9]+$/, 'a whole number', min, max, true);

/** A number where a fraction is meant (hours, a share), within [min, max]: digits, an optional fraction. */
export const decimalFromEnv = (min: number, max: number) => fromEnv(/^[0-9]+(\.[0-9]+)?$/, 'a number', min, max, false);
