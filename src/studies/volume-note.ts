// Apart from nifti.ts so the history page and the PDF, which say it from the record, do not load the NIfTI reader.

/**
 * What the answer adds for a 4-D to 7-D file (fMRI, DWI): the one volume it is about. Only the
 * first is read, and the answer otherwise read as if the whole file had been looked at. Said live
 * (study.service.ts) and from the record (history page, PDF: Analysis.niftiVolumes).
 */
export function volumeNote(volumes: number | null): string | null {
  if (volumes === null || volumes <= 1) return null;
  return `Volume 1 of ${volumes} analysed; the file's other ${volumes === 2 ? 'volume was' : `${volumes - 1} volumes were`} not looked at.`;
}
