/**
 * A PACS export or a patient CD puts DICOM objects that hold no image beside the series: a
 * structured report, a dose report, a presentation state, a key-object selection. They are
 * Part 10 files ("DICM"), so they were read as images and refused the whole upload with 422
 * "File 1 of 1 (entry 57 of the archive) is a DICOM file without image pixel data". They are
 * skipped and listed like the DICOMDIR; an image object without pixel data is still refused.
 */
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { sideFiles } from '../../support/side-files';
import { catchErr, LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries, MARKER, newUid, part10, zip } from '../../support/study-fixtures';

const series = dicomSeries(slices(3));
/** a DICOM object of this SOP class with no Pixel Data, as an export writes it */
const object = (sopClass: string, modality: string) =>
  new Uint8Array(part10({ SOPClassUID: sopClass, SOPInstanceUID: newUid(), Modality: modality, SeriesInstanceUID: newUid(), PatientName: `${MARKER}^JANE` }, '1.2.840.10008.1.2.1'));
const SR = object('1.2.840.10008.5.1.4.1.1.88.22', 'SR'); // Enhanced SR
const DOSE = object('1.2.840.10008.5.1.4.1.1.88.67', 'SR'); // X-Ray Radiation Dose SR
const PR = object('1.2.840.10008.5.1.4.1.1.11.1', 'PR'); // Grayscale Softcopy Presentation State
const KO = object('1.2.840.10008.5.1.4.1.1.88.59', 'KO'); // Key Object Selection
const PDF = object('1.2.840.10008.5.1.4.1.1.104.1', 'DOC'); // Encapsulated PDF
const SPECTRO = object('1.2.840.10008.5.1.4.1.1.4.2', 'MR'); // MR Spectroscopy

describe('DICOM objects without an image beside a series', () => {
  it('a PACS export ZIP: series + DICOMDIR + SR, dose SR, presentation state, key objects, PDF, spectroscopy → the 3 slices, 7 skipped', async () => {
    const z = zip({
      DICOMDIR: sideFiles().DICOMDIR,
      'DICOM/S2/I0': series[0],
      'DICOM/S2/I1': series[1],
      'DICOM/S2/I2': series[2],
      'DICOM/S900/SR1': SR,
      'DICOM/S900/DOSE1': DOSE,
      'DICOM/S901/PR1': PR,
      'DICOM/S902/KO1': KO,
      'DICOM/S903/PDF1': PDF,
      'DICOM/S904/MRS1': SPECTRO,
    });
    const study = await loadStudy([new Uint8Array(z)], LIMITS);
    expect(study.kind === 'slices' && study.slices.length).toBe(3);
    expect(study.meta.skipped).toEqual({ count: 7, names: ['DICOMDIR', 'SR1', 'DOSE1', 'PR1', 'KO1'] });
    expect(study.meta.files).toBe(1);
  });

  it('files chosen one by one (the page\'s folder picker): a structured report among them is skipped, named by position', async () => {
    const study = await loadStudy([series[0], SR, series[1], series[2], PR].map((b) => new Uint8Array(b)), LIMITS);
    expect(study.kind === 'slices' && study.slices.length).toBe(3);
    expect(study.meta.skipped).toEqual({ count: 2, names: ['file 2 of 5', 'file 5 of 5'] });
  });

  it('only such objects → 415 saying they hold no image and what to upload', async () => {
    const err = await catchErr(() => loadStudy([SR, PR].map((b) => new Uint8Array(b)), LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect((err as Error).message).toBe(
      'No DICOM or NIfTI image was found in the upload: it holds 2 other files (file 1 of 2, file 2 of 2) — DICOM objects without an image ' +
        "(a structured report, a presentation state) —, which a study does not read. Upload the series' image files (or a ZIP of them) or a NIfTI volume.",
    );
  });

  it('an MR image object without Pixel Data is still refused as damaged, never skipped', async () => {
    const noPixels = object('1.2.840.10008.5.1.4.1.1.4', 'MR');
    const err = await catchErr(() => loadStudy([series[0], series[1], noPixels].map((b) => new Uint8Array(b)), LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toBe('File 3 of 3 is a DICOM file without image pixel data.');
  });
});
