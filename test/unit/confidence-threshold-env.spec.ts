/**
 * CONFIDENCE_THRESHOLD is a plain decimal strictly between 0 and 1. It took 0 (and "1e-400", read
 * as 0): no image was ever refused for low confidence, without a word; 1 refused all but a
 * float-saturated softmax; "0x1" and "0b1" were read as 1.
 */
import { ConfigValidationError, parseEnv } from '../../src/config/config.schema';

const problem = (value: string): string => {
  try {
    parseEnv({ CONFIDENCE_THRESHOLD: value });
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.issues.join('; ');
    throw err;
  }
  return 'accepted';
};

describe('CONFIDENCE_THRESHOLD', () => {
  it('takes a decimal strictly between 0 and 1', () => {
    expect(parseEnv({ CONFIDENCE_THRESHOLD: '0.7' }).CONFIDENCE_THRESHOLD).toBe(0.7);
    expect(parseEnv({ CONFIDENCE_THRESHOLD: ' .85 ' }).CONFIDENCE_THRESHOLD).toBe(0.85);
    expect(parseEnv({ CONFIDENCE_THRESHOLD: '' }).CONFIDENCE_THRESHOLD).toBeUndefined();
  });

  it('refuses 0 and 1, which switch the refusals off or answer nothing', () => {
    expect(problem('0')).toBe('CONFIDENCE_THRESHOLD: CONFIDENCE_THRESHOLD must be above 0 (0 would answer every image)');
    expect(problem('1')).toBe('CONFIDENCE_THRESHOLD: CONFIDENCE_THRESHOLD must be below 1 (1 would refuse every image)');
  });

  it('refuses what is not a plain decimal', () => {
    for (const v of ['1e-400', '0x1', '0b1', '60', '0.6abc', '0.6,0.7', 'NaN', 'Infinity', '-0.5', '1.5']) {
      expect(problem(v)).toBe('CONFIDENCE_THRESHOLD: CONFIDENCE_THRESHOLD must be a decimal number such as 0.7');
    }
  });
});
