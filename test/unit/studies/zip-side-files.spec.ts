/**
 * A ZIP of a series as PACS exports and patient CDs write it: the DICOM files beside a DICOMDIR,
 * a README, a viewer, thumbnails. The side files are skipped and listed; the series is read; a
 * ZIP with nothing to read says what it found; DICOM that is damaged, unreadable or not Part 10
 * is still refused by name, never skipped.
 */
import { gzipSync } from 'fflate';
import { shownName } from '../../../src/studies/skipped-files';
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, StudyTooLargeError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { AUTORUN, noise, sideFiles } from '../../support/side-files';
import { catchErr, LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries, MARKER, zip } from '../../support/study-fixtures';

const series = dicomSeries(slices(3));
const inFolder = (files: Record<string, Uint8Array>, folder: string) => Object.fromEntries(Object.entries(files).map(([k, v]) => [`${folder}/${k}`, v]));
const seriesEntries = () => ({ 'IMAGES/IM0': series[0], 'IMAGES/IM1': series[1], 'IMAGES/IM2': series[2] });

describe('study ZIPs: side files are skipped and listed', () => {
  it('3 slices + DICOMDIR + README.TXT + VIEWER.EXE + thumb.jpg → the 3 slices, 4 skipped by name (was 422 for the first unknown entry)', async () => {
    const z = zip(inFolder({ ...sideFiles(), ...seriesEntries() }, `${MARKER}^JANE`));
    const study = await loadStudy([new Uint8Array(z)], LIMITS);
    expect(study.kind === 'slices' && study.slices.length).toBe(3);
    expect(study.meta.skipped).toEqual({ count: 4, names: ['DICOMDIR', 'README.TXT', 'VIEWER.EXE', 'thumb.jpg'] });
    expect(JSON.stringify(study.meta)).not.toContain(MARKER); // folders are never shown
  });

  // a patient CD's side files copied without its image folders: the DICOMDIR among them says what is missing
  it('a ZIP of side files only → 415 saying no image was found, what was, and that the DICOMDIR lists images the upload lacks', async () => {
    const z = zip({ ...sideFiles(), 'AUTORUN.INF': AUTORUN });
    const err = await catchErr(() => loadStudy([new Uint8Array(z)], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_TYPE' });
    expect((err as Error).message).toBe(
      "No image was found in the upload: it holds 5 other files (DICOMDIR, README.TXT, VIEWER.EXE, thumb.jpg, AUTORUN.INF), among them a DICOMDIR, the export's index, " +
        "which lists the series' images but holds no image itself. Upload the image files it lists (the folders beside it in the export, e.g. DICOM/ or IMAGES/), or a ZIP of the whole export.",
    );
  });

  it('lists at most 5 names and counts them all; folders and macOS bookkeeping are neither', async () => {
    const many = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`html/page${i}.htm`, new TextEncoder().encode(`<p>${i}</p>`)]));
    const z = zip({ ...seriesEntries(), ...many, '__MACOSX/IMAGES/._IM0': new Uint8Array([0, 5, 22, 7]), '.DS_Store': new Uint8Array(10) });
    const study = await loadStudy([new Uint8Array(z)], LIMITS);
    expect(study.meta.skipped).toEqual({ count: 8, names: ['page0.htm', 'page1.htm', 'page2.htm', 'page3.htm', 'page4.htm'] });
  });

  it('skipped files are not held nor charged to the study limit (a 280 KB viewer beside a 40 KB series under a 300 KB limit was 413)', async () => {
    const z = zip({ ...seriesEntries(), 'VIEWER.EXE': noise(280 * 1024, 3) });
    const study = await loadStudy([new Uint8Array(z)], { ...LIMITS, maxBytes: 300 * 1024 });
    expect(study.kind === 'slices' && study.slices.length).toBe(3);
    expect(study.meta.skipped.count).toBe(1);
  });

  it('a side file that inflates beyond the limit (a ZIP bomb named README) → 413 naming the skipped files', async () => {
    const z = zip({ ...seriesEntries(), 'README.TXT': new Uint8Array(20 * 1024 * 1024) });
    const err = await catchErr(() => loadStudy([new Uint8Array(z)], { ...LIMITS, maxBytes: 4 * 1024 * 1024 }));
    expect(err).toBeInstanceOf(StudyTooLargeError);
    expect((err as Error).message).toMatch(/not DICOM or NIfTI \(skipped\) exceed the study's 4 MB limit/);
  });

  it('a DICOM entry that fails to parse is refused, never skipped, even beside side files', async () => {
    const bad = Buffer.from(series[1]);
    bad.fill(0x41, 132, 400); // garbage right after the DICM prefix
    const z = zip({ ...sideFiles(), IM0: series[0], IM1: bad, IM2: series[2] });
    const err = await catchErr(() => loadStudy([new Uint8Array(z)], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/entry 6 of the archive/);
  });

  // A DICOMDIR copied off a CD without the image folders it indexes (or uploaded alone) was told
  // "No DICOM or NIfTI file was found… it holds 1 other file (DICOMDIR)": its owner holds a DICOM
  // file, and what is missing is the images the index lists.
  it.each([
    ['a ZIP of the DICOMDIR alone', () => [zip({ DICOMDIR: sideFiles().DICOMDIR })]],
    ['a ZIP of the DICOMDIR and a README', () => [zip({ DICOMDIR: sideFiles().DICOMDIR, 'README.TXT': sideFiles()['README.TXT'] })]],
    ['the DICOMDIR uploaded on its own', () => [sideFiles().DICOMDIR]],
  ])('%s → 415 naming the DICOMDIR as the index without its images, not "no DICOM file was found"', async (_, files) => {
    const err = await catchErr(() => loadStudy(files().map((f) => new Uint8Array(f)), LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect((err as Error).message).toMatch(/DICOMDIR.*index.*no image/i);
    expect((err as Error).message).not.toMatch(/No DICOM or NIfTI file was found/);
  });

  it('a DICOM data set without its Part 10 header (implicit VR, no "DICM") is refused by name, not skipped', async () => {
    const bare = Buffer.concat([Buffer.from([0x08, 0x00, 0x05, 0x00, 10, 0, 0, 0]), Buffer.from('ISO_IR 100', 'latin1'), noise(500, 4)]);
    const err = await catchErr(() => loadStudy([new Uint8Array(zip({ ...seriesEntries(), IM3: bare }))], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect((err as Error).message).toMatch(/entry 4 of the archive\) looks like a DICOM data set without the DICOM file header/);
  });

  // Uploaded loose, the same file was told it "is not a DICOM (Part 10), NIfTI or ZIP file" and
  // sent to the JPEG/PNG image analysis: its owner holds a DICOM file, and a DICOM it is.
  it.each([
    ['alone', (bare: Buffer) => [bare]],
    ['beside the series', (bare: Buffer) => [...series, bare]],
  ])('the same data set uploaded loose (%s) is refused by the same name, not as "not a DICOM" sent to the image analysis', async (_, files) => {
    const bare = Buffer.concat([Buffer.from([0x08, 0x00, 0x05, 0x00, 10, 0, 0, 0]), Buffer.from('ISO_IR 100', 'latin1'), noise(500, 4)]);
    const err = await catchErr(() => loadStudy(files(bare).map((f) => new Uint8Array(f)), LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect((err as Error).message).toMatch(/looks like a DICOM data set without the DICOM file header/);
    expect((err as Error).message).not.toMatch(/JPEG\/PNG/);
  });

  it('a gzip entry: skipped when it holds neither NIfTI nor DICOM, refused when it holds a DICOM', async () => {
    const withLog = await loadStudy([new Uint8Array(zip({ ...seriesEntries(), 'logs/export.log.gz': gzipSync(new TextEncoder().encode('export done\n')) }))], LIMITS);
    expect(withLog.meta.skipped).toEqual({ count: 1, names: ['export.log.gz'] });
    const err = await catchErr(() => loadStudy([new Uint8Array(zip({ IM0: series[0], 'IM1.gz': gzipSync(series[1]) }))], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect((err as Error).message).toMatch(/is a gzip-compressed DICOM file/);
  });

  it('a DICOMDIR uploaded on its own beside the slices is skipped and counted, by position', async () => {
    const study = await loadStudy([...series, Buffer.from(sideFiles().DICOMDIR)].map((b) => new Uint8Array(b)), LIMITS);
    expect(study.meta.skipped).toEqual({ count: 1, names: ['file 4 of 4'] });
  });
});

describe('shownName: a skipped entry as it may be shown', () => {
  it('keeps the base name only, in a safe character set, without long digit runs, at most 40 characters', () => {
    expect(shownName(`${MARKER}^JANE/1.2.840/README.TXT`)).toBe('README.TXT');
    expect(shownName('CD\\VIEWER\\viewer.exe')).toBe('viewer.exe');
    expect(shownName('report 20240101123456.pdf')).toBe('report #.pdf');
    // a date with separators has no 5-digit run (was shown as "scan 1970-01-31.txt")
    expect(shownName('scan 1970-01-31.txt')).toBe('scan #.txt');
    expect(shownName('letter 31.01.1970.doc')).toBe('letter #.doc');
    expect(shownName('<img src=x onerror=alert(1)>.htm')).toBe('_img src_x onerror_alert(1)_.htm');
    expect(shownName('a'.repeat(100) + '.html')).toBe(`${'a'.repeat(34)}….html`);
    expect(shownName('dir/')).toBe('(no name)');
  });
});

describe('skipped names: de-identified with the series header, as its description is', () => {
  // the header's name, ID and birth date are cut out of the names, like digit runs: '#'
  const named = dicomSeries(slices(3), { patientName: 'SMITH^JOHN', patientId: 'AB4711', seriesDescription: 'SMITH AB4711 AX T2' });
  const txt = (s: string) => new TextEncoder().encode(s);
  const sides = { 'SMITH_JOHN.pdf': txt('%PDF-1.4\n'), 'AB4711_MRI.txt': txt('notes'), 'john smith 19700101.doc': txt('letter'), 'README.TXT': txt('read me') };
  const withSeries = (o = {}) => zip({ ...sides, ...Object.fromEntries(dicomSeries(slices(3), { patientName: 'SMITH^JOHN', patientId: 'AB4711', ...o }).map((b, i) => [`IM${i}`, b])) });
  const scrubbed = ['#_#.pdf', '#_MRI.txt', '# # #.doc', 'README.TXT'];

  it('an analysed series: the names lose its patient name and ID (were shown as SMITH_JOHN.pdf, AB4711_MRI.txt)', async () => {
    const study = await loadStudy([new Uint8Array(withSeries())], LIMITS);
    expect(study.kind).toBe('slices');
    expect(study.meta.skipped).toEqual({ count: 4, names: scrubbed });
    const described = await loadStudy(named.map((b) => new Uint8Array(b)), LIMITS);
    expect(described.meta.seriesDescription).toBe('AX T2'); // the same tokens, cut from the description
  });

  it('a series refused from its header (CT) answers the same scrubbed names', async () => {
    const study = await loadStudy([new Uint8Array(withSeries({ modality: 'CT' }))], LIMITS);
    expect(study.kind).toBe('not_mri');
    expect(study.meta.skipped.names).toEqual(scrubbed);
  });

  it('no DICOM header to read (415): the names keep the header-less sanitising', async () => {
    const err = await catchErr(() => loadStudy([new Uint8Array(zip(sides))], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect((err as Error).message).toContain('4 other files (SMITH_JOHN.pdf, AB4711_MRI.txt, john smith #.doc, README.TXT)');
  });

  it('shownName cuts the given identifier tokens, case-insensitively, before shortening', () => {
    expect(shownName('CD/Smith_John_brain.pdf', ['smith', 'john'])).toBe('#_#_brain.pdf');
    expect(shownName(`${'x'.repeat(35)}SMITHSON.pdf`, ['smithson'])).toBe(`${'x'.repeat(35)}#.pdf`); // shortened first, 'SMI' would remain
  });
});
