import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateStudies, evaluateStudy, linkKind, listStudies, readStudyLabels, StudyLabelsError } from '../../src/studies/study-evaluate';
import type { StudyService } from '../../src/studies/study.service';

/** `npm run evaluate -- --studies DIR --labels FILE`: which studies there are, and their labels. */
describe('listStudies', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-list-studies-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists an empty sub-folder as a study with no file, rather than leaving it out', () => {
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.mkdirSync(path.join(dir, 'only-hidden'));
    fs.writeFileSync(path.join(dir, 'only-hidden', '.DS_Store'), 'x');
    fs.mkdirSync(path.join(dir, 'series 1/a/b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'series 1/a/b/IM0'), 'x');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    expect(listStudies(dir)).toEqual([
      { rel: 'empty', files: [] },
      { rel: 'only-hidden', files: [] },
      { rel: 'series 1', files: [path.join(dir, 'series 1/a/b/IM0')] },
    ]);
  });

  it('follows links to a study file or a series folder, names a broken link, and walks a link loop once', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-list-links-'));
    const real = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-list-real-'));
    try {
      fs.writeFileSync(path.join(real, 'vol.nii.gz'), 'x');
      fs.mkdirSync(path.join(real, 'series'));
      fs.writeFileSync(path.join(real, 'series', 'IM0'), 'x');
      fs.symlinkSync(path.join(real, 'series'), path.join(real, 'series', 'loop')); // a folder linking to itself
      fs.symlinkSync(path.join(real, 'series', 'IM0'), path.join(real, 'series', 'IM1')); // a file linked inside a series
      fs.symlinkSync(path.join(real, 'vol.nii.gz'), path.join(d, 'a.nii.gz'));
      fs.symlinkSync(path.join(real, 'series'), path.join(d, 'b'));
      fs.symlinkSync(path.join(real, 'gone.nii'), path.join(d, 'c.nii'));
      expect(listStudies(d)).toEqual([
        { rel: 'a.nii.gz', files: [path.join(d, 'a.nii.gz')] },
        { rel: 'b', files: [path.join(d, 'b', 'IM0'), path.join(d, 'b', 'IM1')] },
        { rel: 'c.nii', files: [], problem: 'a broken link (its target does not exist)' },
      ]);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
      fs.rmSync(real, { recursive: true, force: true });
    }
  });
});

describe('linkKind: why a link cannot be followed', () => {
  const failing = (code: string) => (): fs.Stats => {
    throw Object.assign(new Error(`${code}: stat failed`), { code });
  };

  it('tells a target this user may not reach from a target that is not there', () => {
    // a link into a folder without search permission (as nobody) was "a link to nothing", as if the target were gone:
    // it is there, and the run's user is what lacks the right to read it
    expect(linkKind('/d/a.nii', failing('EACCES'))).toEqual({
      unreadable: 'Cannot follow the link /d/a.nii: permission denied (EACCES) on its target or a folder on the way; the study was not analysed.',
    });
    expect(linkKind('/d/a.nii', failing('ENOENT'))).toEqual({ problem: 'a broken link (its target does not exist)' });
    expect(linkKind('/d/a.nii', failing('ENOTDIR'))).toEqual({ problem: 'a broken link (its target does not exist)' });
    expect(linkKind('/d/a.nii', failing('ELOOP'))).toEqual({ problem: 'a link that leads back to itself (a loop of links)' });
    expect(linkKind('/d/a.nii', failing('EIO'))).toEqual({ unreadable: 'Cannot follow the link /d/a.nii: EIO: stat failed; the study was not analysed.' });
  });

  it('an unreachable target is an error line FILE_UNREADABLE, a broken link a rejected BROKEN_LINK one', async () => {
    const service = { analyze: async () => Promise.reject(new Error('not reached')) } as unknown as StudyService;
    const entry = (k: ReturnType<typeof linkKind>) => ({ rel: 'a.nii', files: [], ...(typeof k === 'string' ? {} : k) });
    expect(await evaluateStudy(service, entry(linkKind('/d/a.nii', failing('EACCES'))))).toEqual({
      path: 'a.nii', status: 'error', code: 'FILE_UNREADABLE',
      message: 'Cannot follow the link /d/a.nii: permission denied (EACCES) on its target or a folder on the way; the study was not analysed.',
    });
    expect(await evaluateStudy(service, entry(linkKind('/d/a.nii', failing('ENOENT'))))).toEqual({
      path: 'a.nii', status: 'rejected', code: 'BROKEN_LINK', message: 'This entry is a broken link (its target does not exist).',
    });
  });
});

describe('listStudies: a link inside a series whose target this user may not reach', () => {
  it('is kept in the series (its read fails and names it) rather than dropped as a link to nothing', () => {
    // as nobody, a series whose IM1 links into a folder without search right was analysed from IM0 alone, without a word
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-list-locked-'));
    const im1 = path.join(dir, 'series', 'IM1');
    const stat = (p: string): fs.Stats => {
      if (p === im1) throw Object.assign(new Error(`EACCES: permission denied, stat '${im1}'`), { code: 'EACCES' });
      return fs.statSync(p);
    };
    try {
      fs.mkdirSync(path.join(dir, 'series'));
      fs.writeFileSync(path.join(dir, 'series', 'IM0'), 'x');
      // the target stands for one in a folder without search right: as root every target is reachable, so the injected
      // stat says EACCES for it (the old listing, which calls any stat failure a link to nothing, dropped it)
      fs.symlinkSync(path.join(dir, 'locked', 'IM1'), im1);
      expect(listStudies(dir, stat)).toEqual([{ rel: 'series', files: [path.join(dir, 'series', 'IM0'), im1] }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readStudyLabels', () => {
  it('reads quoted names with commas, a BOM, CRLF, extra columns, ./ and trailing slashes', () => {
    const csv = '\ufeffsite,path,label\r\nA,"series 1, axial",glioma\r\nB,"CD ""2""",notumor\r\nC,./vol.nii.gz,glioma\r\nD,dicom/,meningioma\r\n';
    expect([...readStudyLabels(csv)]).toEqual([
      ['series 1, axial', 'glioma'],
      ['CD "2"', 'notumor'],
      ['vol.nii.gz', 'glioma'],
      ['dicom', 'meningioma'],
    ]);
  });

  it('a labels file it cannot use names why', () => {
    expect(() => readStudyLabels('name,label\na,b\n')).toThrow(new StudyLabelsError('the labels CSV needs "path" and "label" columns'));
    expect(() => readStudyLabels('path,label\na,\n')).toThrow(new StudyLabelsError("the labels CSV's line 2 has no label"));
    expect(() => readStudyLabels('path,label\n"a,b\n')).toThrow(new StudyLabelsError("the labels CSV's line 2 opens a quoted field that is never closed"));
    // a header without rows (or an empty file) reported coverage and accuracy over 0 labelled studies, exit 0
    expect(() => readStudyLabels('path,label\r\n')).toThrow(new StudyLabelsError('the labels CSV has a header but no rows'));
    expect(() => readStudyLabels('')).toThrow(new StudyLabelsError('the labels CSV is empty (no header row)'));
  });
});

describe('evaluateStudy: a file that cannot be read', () => {
  it('is an error line naming the file and why (FILE_NOT_FOUND / NOT_A_FILE), not INTERNAL_ERROR', async () => {
    // a file removed (or a folder swapped in) between the listing and the read was INTERNAL_ERROR "ENOENT: …",
    // as if the service had failed; the manifest mode names these since its own fix
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-study-read-'));
    try {
      const service = { analyze: async () => Promise.reject(new Error('not reached')) } as unknown as StudyService;
      const gone = path.join(dir, 'series', 'IM1');
      expect(await evaluateStudy(service, { rel: 'series', files: [gone] })).toEqual({
        path: 'series', status: 'error', code: 'FILE_NOT_FOUND', message: `No such file: ${gone} (removed after the folder was listed?)`,
      });
      expect(await evaluateStudy(service, { rel: 'd', files: [dir] })).toMatchObject({ status: 'error', code: 'NOT_A_FILE', message: `A folder, not a file: ${dir}` });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('evaluateStudies: Ctrl-C mid-run', () => {
  it('starts no study after a stop that the event loop delivers while a study finishes', async () => {
    // SIGINT reaches the AbortController from the event loop (a libuv callback), not from inside the study: a study
    // whose end resolved in that same turn went straight on to the next one, one study more than the Ctrl-C allowed
    // (the manifest mode's evaluateRows yields once per row for this). The abort is queued as such a callback here.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-study-stop-'));
    try {
      for (const n of ['a.nii', 'b.nii', 'c.nii']) fs.writeFileSync(path.join(dir, n), 'x');
      const stop = new AbortController();
      const started: number[] = [];
      const service = {
        analyze: async () => {
          started.push(started.length);
          if (started.length === 1) setImmediate(() => stop.abort());
          throw new Error('not a study');
        },
      } as unknown as StudyService;
      const written: string[] = [];
      const summary = await evaluateStudies(service, dir, (l) => written.push(l.path), undefined, stop.signal);
      expect(started).toHaveLength(1);
      expect(written).toEqual(['a.nii']);
      expect(summary.studies).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
