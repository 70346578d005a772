/**
 * One way to write a byte size, wherever a person reads it. There were four: the history wrote
 * "1.0 MB" and "1024 KB" (for 1 048 575 bytes), the limit messages and the pages' limit labels
 * "1.5 KB" (common/errors formatBytes), the upload page "680 B" and the study page "12.3 KB"
 * (their own copies; public/js/figures.js now mirrors humanBytes, compared in page-figures.browser.spec).
 */
import { FileTooLargeError } from '../../../src/common/errors';
import { humanBytes } from '../../../src/presentation/labels';
import { StudyTooLargeError } from '../../../src/studies/study-errors';

describe('humanBytes', () => {
  it('writes bytes, whole KB and MB to one decimal without a trailing ".0"', () => {
    expect([0, 1, 680, 1023].map(humanBytes)).toEqual(['0 bytes', '1 byte', '680 bytes', '1023 bytes']);
    expect([1024, 1535, 1536, 12_345, 1_048_063].map(humanBytes)).toEqual(['1 KB', '1 KB', '2 KB', '12 KB', '1023 KB']);
    // never "1024 KB": what rounds to 1024 KB is 1 MB
    expect([1_048_064, 1_048_575, 1_048_576].map(humanBytes)).toEqual(['1 MB', '1 MB', '1 MB']);
    expect([1_572_864, 5 * 1_048_576, 5 * 1_048_576 + 1, 6_000_000, 512 * 1_048_576].map(humanBytes)).toEqual(['1.5 MB', '5 MB', '5 MB', '5.7 MB', '512 MB']);
    expect([null, undefined, NaN, Infinity].map(humanBytes)).toEqual(['—', '—', '—', '—']);
  });

  it('is the limit messages\' rule too (they wrote "1.5 KB" where the history wrote "2 KB")', () => {
    expect(new FileTooLargeError(5 * 1_048_576).message).toBe('The file exceeds the 5 MB limit.');
    expect(new FileTooLargeError(1536).message).toBe(`The file exceeds the ${humanBytes(1536)} limit.`);
    expect(new StudyTooLargeError(300 * 1024 + 100).message).toBe(`The study exceeds the ${humanBytes(300 * 1024 + 100)} limit (counted after decompression).`);
    expect(new StudyTooLargeError(300 * 1024 + 100).message).toContain('300 KB');
  });
});
