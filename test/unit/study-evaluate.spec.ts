import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listStudies, readStudyLabels, StudyLabelsError } from '../../src/studies/study-evaluate';

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
  });
});
