import { decimalOption, integerListOption, integerOption } from '../../src/cli/cli-args';

/**
 * The one parser of the commands' whole-number options (descriptions:rescrub --batch-size,
 * evaluate --limit and --concurrency). `Number()` read `--batch-size 1e3` as 1000, `0x10` as 16,
 * `1.0` as 1 and ` 5` as 5: a typo or a script's float went through as some other number.
 */
describe('integerOption', () => {
  const range = { min: 1, max: 10_000 };

  it('takes plain decimal digits within the range, or nothing', () => {
    expect(integerOption('batch-size', undefined, range)).toBeUndefined();
    expect(integerOption('batch-size', '1', range)).toBe(1);
    expect(integerOption('batch-size', '500', range)).toBe(500);
    expect(integerOption('batch-size', '10000', range)).toBe(10_000);
  });

  it('refuses exponents, hex, fractions, signs, spaces, separators and non-ASCII digits, naming the option, the range and the value', () => {
    for (const raw of ['1e3', '1E3', '0x10', '0b11', '0o7', '1.0', '2.5', '+5', '-5', ' 5', '5 ', '1_000', '1,000', 'Infinity', 'NaN', 'abc', '٣', '５']) {
      expect(() => integerOption('batch-size', raw, range)).toThrow(`--batch-size must be a whole number from 1 to 10000 (got "${raw}")`);
    }
  });

  it('refuses a value outside the range, however many digits it has', () => {
    for (const raw of ['0', '10001', '99999999999999999999', '9'.repeat(400)]) {
      expect(() => integerOption('batch-size', raw, range)).toThrow(`--batch-size must be a whole number from 1 to 10000 (got "${raw}")`);
    }
  });

  it('an option without an upper bound says "at least"', () => {
    expect(integerOption('limit', '123456789', { min: 1 })).toBe(123_456_789);
    expect(() => integerOption('limit', '0', { min: 1 })).toThrow('--limit must be a whole number of at least 1 (got "0")');
    // beyond 2^53 a number is no longer the digits typed
    expect(() => integerOption('limit', '9007199254740993', { min: 1 })).toThrow('--limit must be a whole number of at least 1 (got "9007199254740993")');
  });
});

/**
 * The benches' options (scripts/bench*.mjs) go through the same parser: a list of whole numbers
 * (`--levels 1,4,16`) and a decimal where a fraction is meant (`--soak 0.5` minutes). Number()
 * took `--levels 1,1e3` as 1 and 1000 and `--soak 1e1` as 10, and `--levels 1,,4` as 1, 0, 4.
 */
describe('integerListOption', () => {
  const range = { min: 1, max: 256 };

  it('takes comma-separated plain digits within the range, or nothing', () => {
    expect(integerListOption('levels', undefined, range)).toBeUndefined();
    expect(integerListOption('levels', '1', range)).toEqual([1]);
    expect(integerListOption('levels', '1,4,16,256', range)).toEqual([1, 4, 16, 256]);
  });

  it('refuses any item that is not plain digits within the range, naming the option, the range and the whole value', () => {
    for (const raw of ['1,1e3', '0x10', '1,,4', '1,', ',1', '1, 4', '2.5', '0', '1,257', 'abc', '1;4']) {
      expect(() => integerListOption('levels', raw, range)).toThrow(`--levels must be whole numbers from 1 to 256, separated by commas (got "${raw}")`);
    }
  });
});

describe('decimalOption', () => {
  const range = { min: 0, max: 1440 };

  it('takes plain digits with an optional fraction within the range, or nothing', () => {
    expect(decimalOption('soak', undefined, range)).toBeUndefined();
    expect(decimalOption('soak', '0', range)).toBe(0);
    expect(decimalOption('soak', '0.5', range)).toBe(0.5);
    expect(decimalOption('soak', '30', range)).toBe(30);
    expect(decimalOption('soak', '1440', range)).toBe(1440);
  });

  it('refuses exponents, hex, signs, spaces, bare points and values outside the range', () => {
    for (const raw of ['1e1', '0x10', '+1', '-1', ' 5', '5 ', '.5', '5.', '1,5', 'Infinity', 'NaN', 'abc', '1440.01', '99999']) {
      expect(() => decimalOption('soak', raw, range)).toThrow(`--soak must be a number from 0 to 1440, plain digits with an optional fraction such as 0.5 (got "${raw}")`);
    }
  });
});
