import { z } from 'zod';
import { envSchema, parseEnv } from '../../src/config/config.schema';

/**
 * Every number the environment sets is written in plain decimal digits (a fraction where one is
 * meant: hours, a share), as the commands' options are (src/cli/cli-args.ts). z.coerce.number()
 * took PORT=0x10 as port 16, INFERENCE_POOL_SIZE=" 4" as 4, ANALYSIS_TIMEOUT_MS=1e4 as 10000
 * without a word, and for INFERENCE_WORKERS=abc said "Invalid input: expected number, received
 * NaN" — naming neither the value given nor the range. Now the start stops naming the variable,
 * its range and the value.
 */
const shape = envSchema.shape as Record<string, z.ZodType>;

/** The number schema of a variable under .default()/.optional() and a digits check, or undefined. */
function numberOf(schema: z.ZodType): z.ZodNumber | undefined {
  let t: z.ZodType = schema;
  for (let i = 0; i < 6; i++) {
    if (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
    else if (t instanceof z.ZodPipe) t = t.out as z.ZodType;
    else break;
  }
  return t instanceof z.ZodNumber ? t : undefined;
}

const numbers = Object.keys(shape).filter((name) => numberOf(shape[name]) && name !== 'CONFIDENCE_THRESHOLD');

function refusal(name: string, raw: string): string {
  try {
    parseEnv({ [name]: raw });
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

describe('numbers in the environment', () => {
  it('finds the numeric variables', () => {
    expect(numbers).toEqual(expect.arrayContaining(['PORT', 'INFERENCE_POOL_SIZE', 'ANALYSIS_TIMEOUT_MS', 'SESSION_TTL_HOURS', 'RATE_LIMIT_LOGIN_PER_IP']));
    expect(numbers.length).toBeGreaterThan(25);
  });

  it('refuses hex, exponents, signs and spaces in every one, naming the variable, its range and the value', () => {
    const wrong: string[] = [];
    for (const name of numbers) {
      for (const raw of ['0x10', '1e1', ' 4', '+5', '4 ', '1_0', 'abc']) {
        const said = refusal(name, raw);
        if (!said.includes(`${name}: must be `) || !said.includes(`(got "${raw}")`)) wrong.push(`${name}=${JSON.stringify(raw)}: ${said.split('\n').slice(1).join(' ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('states the range and the value when a number is outside it', () => {
    expect(refusal('PORT', '70000')).toContain('PORT: must be a whole number from 0 to 65535, in plain digits (got "70000")');
    expect(refusal('INFERENCE_WORKERS', 'abc')).toContain('INFERENCE_WORKERS: must be a whole number from 0 to 16, in plain digits (got "abc")');
    expect(refusal('ANALYSIS_TIMEOUT_MS', '0')).toContain('ANALYSIS_TIMEOUT_MS: must be a whole number of at least 1, in plain digits (got "0")');
    expect(refusal('INFERENCE_POOL_SIZE', '2.0')).toContain('INFERENCE_POOL_SIZE: must be a whole number from 1 to 64, in plain digits (got "2.0")');
    expect(refusal('SESSION_TTL_HOURS', '1e1')).toContain('SESSION_TTL_HOURS: must be a number from 0.01 to 2160, in plain digits (a fraction such as 0.5 allowed) (got "1e1")');
  });

  it('takes plain digits, and a fraction where one is meant', () => {
    const env = parseEnv({ PORT: '8080', INFERENCE_POOL_SIZE: '4', SESSION_TTL_HOURS: '0.5', STUDY_AGREEMENT: '0.75', TRUST_PROXY: '2' });
    expect([env.PORT, env.INFERENCE_POOL_SIZE, env.SESSION_TTL_HOURS, env.STUDY_AGREEMENT, env.TRUST_PROXY]).toEqual([8080, 4, 0.5, 0.75, 2]);
    expect(refusal('TRUST_PROXY', '0x2')).toContain('(got "0x2")');
  });
});
