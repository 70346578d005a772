import { loadStudy, StudyLimits } from '../../src/studies/study-loader';

const asFiles = (files: Buffer | Buffer[]) => (Array.isArray(files) ? files : [files]).map((f) => new Uint8Array(f));

/** The files uploaded together, loaded as a study of slices: its meta and each slice's pixels (copied). */
export async function loadSlices(files: Buffer | Buffer[], limits: StudyLimits) {
  const study = await loadStudy(asFiles(files), limits);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return { meta: study.meta, slices: study.slices.map((s) => Uint8Array.from(s.image.data)) };
}

/** The error the loader refuses those files with, or null where it reads them. */
export async function loadRefusal(files: Buffer | Buffer[], limits: StudyLimits): Promise<Error | null> {
  try {
    await loadStudy(asFiles(files), limits);
  } catch (err) {
    return err as Error;
  }
  return null;
}
