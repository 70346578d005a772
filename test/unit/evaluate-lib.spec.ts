import * as os from 'node:os';
import * as path from 'node:path';
import { countOption, decisionKey, EvalLine, existingPath, expectedTriage, median, parseEvaluateArgs, summarise, triageKey, UsageError } from '../../src/cli/evaluate-lib';

const line = (o: Partial<EvalLine>): EvalLine => ({ path: 'a.jpg', status: 'completed', code: null, ...o });

describe('evaluation CLI helpers', () => {
  it('maps results to the decision keys shared with scripts/python_decisions.py', () => {
    expect(decisionKey(line({ status: 'completed', task: 'brain_tumor', label: 'glioma' }))).toBe('completed:brain_tumor:glioma');
    expect(decisionKey(line({ status: 'rejected', stage: 'modality', code: 'NOT_MRI' }))).toBe('rejected:NOT_MRI');
    expect(decisionKey(line({ status: 'rejected', stage: 'anatomy', code: 'LOW_CONFIDENCE' }))).toBe('rejected:anatomy_LOW_CONFIDENCE');
    expect(decisionKey(line({ status: 'rejected', stage: 'file', code: 'CORRUPT_IMAGE' }))).toBe('rejected:file_CORRUPT_IMAGE');
    expect(decisionKey(line({ status: 'inconclusive', code: 'NO_VALIDATED_MODEL', anatomy: 'knee' }))).toBe('inconclusive:NO_VALIDATED_MODEL:knee');
    expect(decisionKey(line({ status: 'inconclusive', code: 'LOW_CONFIDENCE', task: 'brain_tumor' }))).toBe('inconclusive:LOW_CONFIDENCE:brain_tumor');
    expect(triageKey(line({ status: 'inconclusive', code: 'NO_VALIDATED_MODEL', anatomy: 'knee' }))).toBe('knee');
    expect(expectedTriage('other_mri')).toBe('rejected:UNSUPPORTED_BODY_PART');
  });

  it('summarises label and Python agreement', () => {
    const lines = [
      line({ path: 'a', status: 'completed', task: 'brain_tumor', label: 'glioma', anatomy: 'brain', timingsMs: { total: 10 } }),
      line({ path: 'b', status: 'rejected', stage: 'modality', code: 'NOT_MRI', timingsMs: { total: 30 } }),
    ];
    const s = summarise(
      lines,
      new Map([['a', 'brain'], ['b', 'not_mri']]),
      new Map([
        ['a', { path: 'a', decision: 'completed:brain_tumor:glioma', triage: 'brain' }],
        ['b', { path: 'b', decision: 'rejected:modality_LOW_CONFIDENCE', triage: 'rejected:modality_LOW_CONFIDENCE' }],
      ]),
    );
    expect(s.labelAgreement).toEqual({ compared: 2, agree: 2, rate: 1, kind: 'triage' });
    expect(s.pythonAgreement).toMatchObject({ compared: 2, agree: 1, rate: 0.5, triageCompared: 2, triageAgree: 1 });
    expect(s.medianTimingsMs.total).toBe(20);
    expect(median([3, 1, 2])).toBe(2);
  });
});

describe('countOption (--limit, --concurrency)', () => {
  it('takes a whole number of at least 1, or nothing', () => {
    expect(countOption('limit', undefined)).toBeUndefined();
    expect(countOption('limit', '25')).toBe(25);
  });

  it('refuses anything else instead of evaluating no image (NaN)', () => {
    for (const raw of ['abc', '', '0', '-3', '2.5', '1e3']) {
      expect(() => countOption('concurrency', raw)).toThrow(new UsageError(`--concurrency must be a whole number of at least 1 (got "${raw}")`));
    }
  });
});

describe('existingPath (--manifest, --studies, --root, --labels, --compare)', () => {
  it('resolves an existing file or folder, passes nothing through', () => {
    expect(existingPath('studies', os.tmpdir(), 'folder')).toBe(path.resolve(os.tmpdir()));
    expect(existingPath('manifest', __filename, 'file')).toBe(__filename);
    expect(existingPath('manifest', undefined, 'file')).toBeUndefined();
  });

  it('a missing path or the wrong kind is a usage error naming the option, not an ENOENT stack', () => {
    const missing = path.join(os.tmpdir(), 'sentinel-no-such-manifest.csv');
    expect(() => existingPath('manifest', missing, 'file')).toThrow(new UsageError(`--manifest: no such file: ${missing}`));
    expect(() => existingPath('studies', __filename, 'folder')).toThrow(new UsageError(`--studies: not a folder: ${__filename}`));
  });
});

describe('parseEvaluateArgs', () => {
  it('an unknown option, a missing value or a stray argument is a usage error (exit 2), not a TypeError stack (exit 1)', () => {
    expect(() => parseEvaluateArgs(['--bogus'])).toThrow(new UsageError("Unknown option '--bogus'"));
    expect(() => parseEvaluateArgs(['--manifest'])).toThrow(UsageError);
    expect(() => parseEvaluateArgs(['m.csv'])).toThrow(/Unexpected argument 'm.csv'/);
    expect(parseEvaluateArgs(['--manifest', 'm.csv', '--limit', '3'])).toMatchObject({ manifest: 'm.csv', limit: '3' });
  });

  it('options of the other mode are refused, not ignored', () => {
    // --studies won silently: --manifest, --split, --compare ... were dropped without a word (and --labels without --studies)
    expect(() => parseEvaluateArgs(['--studies', 'd', '--manifest', 'm.csv'])).toThrow(new UsageError('--manifest does not go with --studies: give one of them'));
    expect(() => parseEvaluateArgs(['--studies', 'd', '--split', 'test', '--compare', 'p.jsonl'])).toThrow(new UsageError('--split, --compare only go with --manifest, not --studies'));
    expect(() => parseEvaluateArgs(['--manifest', 'm.csv', '--labels', 'l.csv'])).toThrow(new UsageError('--labels only goes with --studies (a manifest has its own label column)'));
    expect(parseEvaluateArgs(['--studies', 'd', '--labels', 'l.csv', '--out', 'o.jsonl'])).toMatchObject({ studies: 'd', labels: 'l.csv' });
  });
});
