import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AnalysisResult } from '../../src/classifier/analysis-result';
import { evaluateOne } from '../../src/cli/analysis-context';
import { UsageError } from '../../src/cli/evaluate-lib';
import { evaluateRows, readManifest, readPythonDecisions } from '../../src/cli/manifest';
import { OutputFile } from '../../src/cli/evaluate-output';
import { readCsvTable } from '../../src/common/csv';
import { CorruptImageError } from '../../src/common/errors';

/** What `npm run evaluate --manifest` makes of the manifests other collections come with. */
describe('readManifest', () => {
  it('reads a BOM, CRLF, quoted commas and quotes, reordered and extra columns', () => {
    const text = '\ufeff"label","note",path,split\r\nglioma,"a, ""quoted"" note",a b/é.jpg,test\r\n\r\nnotumor,x,/abs/c.png,test,extra\r\n';
    expect(readManifest(text, {})).toEqual([
      { line: 2, path: 'a b/é.jpg', label: 'glioma', split: 'test' },
      { line: 4, path: '/abs/c.png', label: 'notumor', split: 'test' },
    ]);
  });

  it('keeps a row without a path (it gets an error line) and duplicate rows, and counts lines inside quotes', () => {
    const rows = readManifest('path,label\n"x.jpg","two\nlines"\n,glioma\nx.jpg,glioma\n', {});
    expect(rows.map((r) => [r.line, r.path])).toEqual([[2, 'x.jpg'], [4, ''], [5, 'x.jpg']]);
  });

  it('takes the samples\' `file` column where there is no `path`', () => {
    expect(readManifest('file,label\ns.jpg,brain\n', {})).toEqual([{ line: 2, path: 's.jpg', label: 'brain', split: undefined }]);
  });

  it('a manifest it cannot use is a usage error naming why, not a summary of 0 images', () => {
    const cases: [string, { split?: string }, string][] = [
      ['', {}, 'the manifest is empty (no header row)'],
      ['path,label\n', {}, 'the manifest has a header but no rows'],
      ['name,label\nx.jpg,a\n', {}, 'the manifest has no "path" (or "file") column; its header: name, label'],
      ['path,label\n"x.jpg,a\ny.jpg,b\n', {}, 'the manifest\'s line 2 opens a quoted field that is never closed'],
      ['path,label\nx.jpg,a\n', { split: 'test' }, '--split test: the manifest has no "split" column'],
      ['path,split\nx.jpg,train\ny.jpg,val\n', { split: 'test' }, '--split test: no row has split "test" (the manifest has: train, val)'],
    ];
    for (const [text, o, message] of cases) expect(() => readManifest(text, o)).toThrow(new UsageError(message));
  });

  it('--split and --limit select rows', () => {
    const text = 'path,split\na,test\nb,train\nc,test\nd,test\n';
    expect(readManifest(text, { split: 'test', limit: 2 }).map((r) => r.path)).toEqual(['a', 'c']);
  });
});

describe('readCsvTable', () => {
  it('reports the line of an unclosed quote and the line each record starts on', () => {
    expect(readCsvTable('a,b\n1,"2\n3"\n4,5').records.map((r) => r.line)).toEqual([2, 4]);
    expect(readCsvTable('a,b\n1,2\n3,"4\n').unclosedQuoteLine).toBe(3);
  });
});

describe('evaluateOne: one manifest row', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-eval-row-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const result = { status: 'completed', stage: 'diagnosis', code: null, message: 'ok', explanation: null, preview: undefined } as unknown as AnalysisResult;
  const seen: number[] = [];
  const service = { analyze: async (bytes: Buffer) => (seen.push(bytes.length), result) };

  it('an absolute path is read where it is, not under --root (scripts/python_decisions.py does the same)', async () => {
    const file = path.join(dir, 'abs image.jpg');
    fs.writeFileSync(file, Buffer.alloc(7));
    const line = await evaluateOne(service, '/nonexistent-root', file);
    expect(line).toMatchObject({ path: file, status: 'completed' });
    expect(seen).toContain(7);
  });

  it('a missing file, a folder or no path is a named error line, not INTERNAL_ERROR', async () => {
    fs.mkdirSync(path.join(dir, 'folder.jpg'));
    expect(await evaluateOne(service, dir, 'missing.jpg')).toMatchObject({ status: 'error', code: 'FILE_NOT_FOUND', message: `No such file: ${path.join(dir, 'missing.jpg')}` });
    expect(await evaluateOne(service, dir, 'folder.jpg')).toMatchObject({ status: 'error', code: 'NOT_A_FILE' });
    expect(await evaluateOne(service, dir, '')).toMatchObject({ status: 'error', code: 'NO_PATH', path: '' });
  });

  it('a file the checks refuse is a rejected line with the file-stage code', async () => {
    fs.writeFileSync(path.join(dir, 'bad.jpg'), 'x');
    const refusing = { analyze: async () => Promise.reject(new CorruptImageError()) };
    expect(await evaluateOne(refusing, dir, 'bad.jpg')).toMatchObject({ status: 'rejected', stage: 'file', code: 'CORRUPT_IMAGE' });
  });
});

describe('--out and --compare are checked before the models load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-eval-io-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--out into a folder that does not exist is a usage error, not an unhandled stream error', () => {
    const target = path.join(dir, 'no/such/dir/out.jsonl');
    expect(() => OutputFile.open(target)).toThrow(new UsageError(`--out: cannot write ${target}: no such folder ${path.join(dir, 'no/such/dir')}`));
    expect(() => OutputFile.open(dir)).toThrow(new UsageError(`--out: cannot write ${dir}: it is a folder`));
    OutputFile.open(path.join(dir, 'ok.jsonl')).discard();
  });

  it('--out naming one of the inputs is a usage error, and the input is left as it was', () => {
    // `--manifest m.csv --out m.csv` truncated the manifest (read just before) and wrote the JSONL over it
    const manifest = path.join(dir, 'm.csv');
    fs.writeFileSync(manifest, 'path\na.jpg\n');
    fs.symlinkSync(manifest, path.join(dir, 'link.csv'));
    for (const out of [manifest, path.join(dir, 'link.csv'), path.join(dir, '.', 'm.csv')]) {
      expect(() => OutputFile.open(out, { inputs: { manifest }, force: true })).toThrow(new UsageError(`--out: ${path.resolve(out)} is the --manifest file; writing there would overwrite it: name another file`));
    }
    expect(() => OutputFile.open(manifest, { inputs: { compare: manifest }, force: true })).toThrow(/is the --compare file/);
    expect(fs.readFileSync(manifest, 'utf8')).toBe('path\na.jpg\n');
    OutputFile.open(path.join(dir, 'other.jsonl'), { inputs: { manifest, compare: undefined } }).discard();
  });

  it('--compare: every line must be a decision with a path, named by its line number', () => {
    const ok = readPythonDecisions('{"path":"a.jpg","decision":"rejected:NOT_MRI","triage":null}\n\n');
    expect(ok.get('a.jpg')).toEqual({ path: 'a.jpg', decision: 'rejected:NOT_MRI', triage: null });
    expect(() => readPythonDecisions('{"path":"a","decision":"x"}\nnot json\n')).toThrow(new UsageError('--compare: line 2 is not JSON'));
    expect(() => readPythonDecisions('{"decision":"x"}\n')).toThrow(new UsageError('--compare: line 1 has no "path" and "decision" strings'));
    expect(() => readPythonDecisions('[1]\n')).toThrow(new UsageError('--compare: line 1 has no "path" and "decision" strings'));
    // an empty file (or blank lines only) compared 0 images, and the summary read like a check that had passed
    expect(() => readPythonDecisions('\n\n')).toThrow(new UsageError('--compare: the file holds no decision (it is empty)'));
  });
});

describe('evaluateRows: Ctrl-C mid-run', () => {
  it('starts no row after the stop, finishes those in progress and writes a whole, ordered prefix of the rows', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ line: i + 2, path: `${i}.jpg` }));
    const stop = new AbortController();
    const started: string[] = [];
    const written: string[] = [];
    const lines = await evaluateRows(
      rows,
      async (row) => {
        started.push(row.path);
        if (row.path === '3.jpg') stop.abort(); // Ctrl-C while rows 2 and 3 are in progress
        await new Promise((r) => setImmediate(r));
        return { path: row.path, status: 'completed', code: null };
      },
      (l) => written.push(JSON.stringify(l)),
      { workers: 2, stop: stop.signal },
    );
    expect(started).toEqual(['0.jpg', '1.jpg', '2.jpg', '3.jpg']);
    expect(lines.map((l) => l.line)).toEqual([2, 3, 4, 5]);
    expect(written.map((w) => JSON.parse(w).path)).toEqual(['0.jpg', '1.jpg', '2.jpg', '3.jpg']);
  });
});
