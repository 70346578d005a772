/**
 * DICOM objects that hold no image, told apart by their SOP Class UID (PS3.4 Annex B). A PACS
 * export or a patient CD writes them beside the series — the study's report, a dose report, the
 * presentation states and key images a radiologist saved — as Part 10 files ("DICM"), so they
 * look like study files until their header is read. Such an object is a side file of the study:
 * skipped and listed, like the DICOMDIR, never read as a slice (before, one of them refused the
 * whole upload as "a DICOM file without image pixel data"). An object of an image class that
 * lacks its pixels is still damaged, and refused.
 */

/** The DICOMDIR: the export's index (Media Storage Directory Storage). */
export const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';

const STORAGE = '1.2.840.10008.5.1.4.1.1.';

/** SOP class (or, ending in '.', a family of them) → what a user is told it is. */
const NON_IMAGE: [string, string][] = [
  [`${STORAGE}88.59`, 'a key-object selection'],
  [`${STORAGE}88.`, 'a structured report'], // SR of every kind: dose reports, CAD, measurement reports
  [`${STORAGE}11.`, 'a presentation state'],
  [`${STORAGE}104.`, 'an encapsulated document'], // PDF, CDA, STL, OBJ, MTL
  [`${STORAGE}4.2`, 'an MR spectroscopy object'], // spectra, no Pixel Data
  [`${STORAGE}9.`, 'a waveform'],
  [`${STORAGE}66`, 'raw data'],
  [`${STORAGE}66.1`, 'a spatial registration'],
  [`${STORAGE}66.2`, 'a spatial fiducials object'],
  [`${STORAGE}66.3`, 'a deformable spatial registration'],
  [`${STORAGE}66.5`, 'a surface segmentation'],
  [`${STORAGE}481.3`, 'a radiotherapy structure set'],
  [`${STORAGE}481.5`, 'a radiotherapy plan'],
];

/**
 * What a DICOM object of this SOP class is when it holds no image ("a structured report"); null
 * for every other class, image classes and unknown ones alike (they are read as images, and
 * refused if they are not).
 */
export function nonImageKind(sopClass: string | null): string | null {
  if (!sopClass) return null;
  for (const [uid, kind] of NON_IMAGE) {
    if (uid.endsWith('.') ? sopClass.startsWith(uid) : sopClass === uid) return kind;
  }
  return null;
}
