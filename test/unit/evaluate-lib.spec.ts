import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countOption, decisionKey, EvalLine, existingPath, expectedTriage, median, modelClasses, parseEvaluateArgs, summarise, triageKey, UsageError } from '../../src/cli/evaluate-lib';
import { readInput } from '../../src/cli/manifest';

const line = (o: Partial<EvalLine>): EvalLine => ({ path: 'a.jpg', status: 'completed', code: null, ...o });
/** Manifest lines (header = 1) for rows with distinct paths, and their labels keyed by line as evaluate.ts keys them. */
const numbered = (ls: EvalLine[]): EvalLine[] => ls.map((l, i) => ({ ...l, line: i + 2 }));
const byLine = (ls: EvalLine[], byPath: Record<string, string>) => new Map(ls.filter((l) => l.path in byPath).map((l) => [l.line as number, byPath[l.path]]));
const CLASSES = { triage: new Set(['brain', 'knee', 'spine', 'other_mri', 'not_mri']), diagnosis: new Set(['glioma', 'meningioma', 'notumor', 'pituitary']) };

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
    const lines = numbered([
      line({ path: 'a', status: 'completed', task: 'brain_tumor', label: 'glioma', anatomy: 'brain', timingsMs: { total: 10 } }),
      line({ path: 'b', status: 'rejected', stage: 'modality', code: 'NOT_MRI', timingsMs: { total: 30 } }),
    ]);
    const s = summarise(
      lines,
      byLine(lines, { a: 'brain', b: 'not_mri' }),
      CLASSES,
      new Map([
        ['a', { path: 'a', decision: 'completed:brain_tumor:glioma', triage: 'brain' }],
        ['b', { path: 'b', decision: 'rejected:modality_LOW_CONFIDENCE', triage: 'rejected:modality_LOW_CONFIDENCE' }],
      ]),
    );
    expect(s.labelAgreement).toEqual({ kind: 'triage', compared: 2, agree: 2, rate: 1, refused: 0, errors: 0, unlabelled: 0, outOfClass: { count: 0, labels: [] } });
    expect(s.pythonAgreement).toMatchObject({ compared: 2, agree: 1, rate: 0.5, triageCompared: 2, triageAgree: 1 });
    expect(s.medianTimingsMs.total).toBe(20);
    expect(median([3, 1, 2])).toBe(2);
  });
});

describe('labelAgreement: only answered rows whose label is a class of the model', () => {
  // a refused row and a label the model cannot give were counted as disagreements: a manifest of 4 glioma
  // rows, 2 answered right, 1 refused and 1 missing read 50 %, where the model was right on every answer
  it('diagnosis: refused, failed, unlabelled and out-of-class rows are counted apart, not as disagreements', () => {
    const lines = numbered([
      line({ path: 'a', task: 'brain_tumor', label: 'glioma' }),
      line({ path: 'b', task: 'brain_tumor', label: 'pituitary' }),
      line({ path: 'c', status: 'inconclusive', code: 'LOW_CONFIDENCE', task: 'brain_tumor' }),
      line({ path: 'd', status: 'error', code: 'FILE_NOT_FOUND' }),
      line({ path: 'e', task: 'brain_tumor', label: 'glioma' }),
      line({ path: 'f', task: 'brain_tumor', label: 'glioma' }),
      line({ path: 'g', status: 'rejected', stage: 'modality', code: 'NOT_MRI' }),
    ]);
    const labels = byLine(lines, { a: 'glioma', b: 'glioma', c: 'glioma', d: 'glioma', e: 'meningioma', g: 'tumour' });
    expect(summarise(lines, labels, CLASSES, undefined).labelAgreement).toEqual({
      kind: 'diagnosis',
      compared: 3,
      agree: 1,
      rate: 1 / 3,
      refused: 1,
      errors: 1,
      unlabelled: 1,
      outOfClass: { count: 1, labels: ['tumour'] },
    });
  });

  it('triage: a LOW_CONFIDENCE refusal or a file refusal is refused; NOT_MRI and UNSUPPORTED_BODY_PART are answers', () => {
    const lines = numbered([
      line({ path: 'a', status: 'rejected', stage: 'modality', code: 'NOT_MRI' }),
      line({ path: 'b', status: 'rejected', stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART' }),
      line({ path: 'c', status: 'rejected', stage: 'anatomy', code: 'LOW_CONFIDENCE' }),
      line({ path: 'd', status: 'rejected', stage: 'file', code: 'CORRUPT_IMAGE' }),
      line({ path: 'e', status: 'inconclusive', code: 'LOW_CONFIDENCE', anatomy: 'brain', task: 'brain_tumor' }),
    ]);
    const labels = byLine(lines, { a: 'not_mri', b: 'brain', c: 'brain', d: 'knee', e: 'brain' });
    expect(summarise(lines, labels, CLASSES, undefined).labelAgreement).toEqual({
      kind: 'triage',
      compared: 3,
      agree: 2,
      rate: 2 / 3,
      refused: 2,
      errors: 0,
      unlabelled: 0,
      outOfClass: { count: 0, labels: [] },
    });
  });

  it('no answered row: the rate is null, not 0 %', () => {
    const s = summarise([line({ path: 'a', status: 'error', code: 'FILE_NOT_FOUND', line: 2 })], new Map([[2, 'glioma']]), CLASSES, undefined);
    expect(s.labelAgreement).toMatchObject({ compared: 0, rate: null, errors: 1 });
  });

  it('a path on several manifest rows is compared with each row\'s own label, not the last row\'s', () => {
    // labels were looked up by path: both rows of x.png were compared with "notumor", one wrongly counted a miss
    const lines = [2, 3].map((n) => line({ path: 'x.png', task: 'brain_tumor', label: 'glioma', line: n }));
    const s = summarise(lines, new Map([[2, 'glioma'], [3, 'notumor']]), CLASSES, undefined);
    expect(s.labelAgreement).toMatchObject({ kind: 'diagnosis', compared: 2, agree: 1, rate: 0.5 });
  });

  it('the classes come from the loaded model cards', () => {
    const cards = [
      { kind: 'triage', labels: ['brain', 'not_mri'] },
      { kind: 'diagnosis', labels: ['glioma', 'notumor'] },
      { kind: 'diagnosis', labels: ['tear'] },
    ] as const;
    expect(modelClasses(cards)).toEqual({ triage: new Set(['brain', 'not_mri']), diagnosis: new Set(['glioma', 'notumor', 'tear']) });
  });
});

describe('countOption (--limit, --concurrency)', () => {
  it('takes a whole number of at least 1, or nothing', () => {
    expect(countOption('limit', undefined)).toBeUndefined();
    expect(countOption('limit', '25')).toBe(25);
  });

  it('refuses anything else instead of evaluating no image (NaN)', () => {
    for (const raw of ['abc', '', '0', '-3', '2.5', '1e3', ' 5', '+5']) {
      expect(() => countOption('limit', raw)).toThrow(new UsageError(`--limit must be a whole number of at least 1 (got "${raw}")`));
    }
  });

  it('--concurrency is at most 64, the range of INFERENCE_POOL_SIZE', () => {
    // `--concurrency 4294967296` passed and crashed on the workers' array (RangeError: Invalid array length, exit 1)
    expect(countOption('concurrency', '64')).toBe(64);
    for (const raw of ['65', '4294967296', '0', '1e3', ' 8']) {
      expect(() => countOption('concurrency', raw)).toThrow(new UsageError(`--concurrency must be a whole number from 1 to 64 (got "${raw}")`));
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

describe('readInput (--manifest, --compare, --labels)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-read-input-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads UTF-8 text, its BOM dropped (CRLF is the CSV reader\'s)', () => {
    const file = path.join(dir, 'ok.csv');
    fs.writeFileSync(file, '\ufeffpath\r\né.jpg\r\n');
    expect(readInput('manifest', file)).toBe('path\r\né.jpg\r\n');
  });

  it('a binary, UTF-16 or Latin-1 file is a usage error naming the line, not a garbage header or FILE_NOT_FOUND rows', () => {
    // an image as --manifest printed its bytes as "its header: …"; Latin-1 é became U+FFFD and the row was FILE_NOT_FOUND
    const bin = path.join(dir, 'scan.png');
    fs.writeFileSync(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    expect(() => readInput('manifest', bin)).toThrow(new UsageError(`--manifest: ${bin} is not UTF-8 text (a NUL byte on line 3: a binary file, or UTF-16 text); save it as UTF-8 CSV`));
    const latin1 = path.join(dir, 'latin1.csv');
    fs.writeFileSync(latin1, Buffer.from('path,label\nok.jpg,a\ncaf\xe9.jpg,b\n', 'latin1'));
    expect(() => readInput('labels', latin1)).toThrow(new UsageError(`--labels: ${latin1} is not UTF-8 text (line 3); save it as UTF-8 (its paths could not be matched as they are)`));
  });

  it('a file it may not read is a usage error naming it, not an EACCES stack', () => {
    const file = path.join(dir, 'locked.csv');
    fs.writeFileSync(file, 'path\n');
    // the tests may run as root, which chmod 000 does not stop: the refusal is the reader's
    const refuse = () => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
    };
    expect(() => readInput('manifest', file, refuse)).toThrow(new UsageError(`--manifest: cannot read ${file}: permission denied`));
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

  it('an option given twice is refused, not the last one taken without a word', () => {
    // `--manifest a.csv --manifest b.csv` evaluated b.csv alone, exit 0: the user believed both were
    expect(() => parseEvaluateArgs(['--manifest', 'a.csv', '--manifest', 'b.csv'])).toThrow(
      new UsageError('--manifest is given twice ("a.csv", then "b.csv"): it takes one value; give it once'),
    );
    expect(() => parseEvaluateArgs(['--manifest=m.csv', '--limit', '3', '--limit=5'])).toThrow(/--limit is given twice \("3", then "5"\)/);
    // a repeated switch says the same thing twice: harmless
    expect(parseEvaluateArgs(['--manifest', 'm.csv', '--out', 'o.jsonl', '--force', '--force'])).toMatchObject({ force: true });
  });

  it('an empty value (an unset shell variable) is refused, not read as the current folder', () => {
    // `--root "$DATA"` with DATA unset read every row under the current folder; `--studies ""` evaluated it
    expect(() => parseEvaluateArgs(['--manifest', 'm.csv', '--root', ''])).toThrow(
      new UsageError('--root is empty: give a value or leave the option out (an unset shell variable?)'),
    );
    expect(() => parseEvaluateArgs(['--studies='])).toThrow(/--studies is empty/);
    expect(() => parseEvaluateArgs(['--manifest', 'm.csv', '--out', ' '])).toThrow(/--out is empty/);
  });

  it('-h is --help', () => {
    // it was "Unknown option '-h'" and exit 2
    expect(parseEvaluateArgs(['-h'])).toMatchObject({ help: true });
  });
});
