import type { DicomInstance } from './dicom';
import { frameLayout } from './dicom-orientation';
import { MixedSeriesError } from './study-errors';

/*
 * The MIXED_SERIES refusal of an upload that holds several series (a whole export folder): the
 * series it found, so the user can tell which files to keep. Only what the service already shows
 * of a study: the Series Number, the scrubbed Series Description (deidentify.ts: the patient's
 * name, IDs, dates cut out), the modality as a defined term, the plane read from the orientation,
 * and a file count — never a UID, a file name or any other tag value.
 */

/** Series named in the message; the rest are counted ("and 3 more"), so a folder of 40 series stays readable. */
export const MAX_SERIES_NAMED = 5;

interface FoundSeries {
  number: number | null;
  description: string | null;
  modalities: Set<string>;
  planes: Set<string>;
  files: number;
  first: number;
}

/** One series in words: `series 3 "SAG T2" (MR, sagittal, 20 files)`. */
function describe(s: FoundSeries): string {
  const name = s.description !== null ? `"${s.description}"` : 'no description';
  const label = s.number !== null ? `series ${s.number}${s.description !== null ? ' ' : ', '}${name}` : name;
  // a value only when the whole series agrees on it: a mix would be a guess
  const known = [s.modalities.size === 1 ? [...s.modalities][0] : null, s.planes.size === 1 ? [...s.planes][0] : null].filter((v): v is string => !!v);
  return `${label} (${[...known, `${s.files} file${s.files === 1 ? '' : 's'}`].join(', ')})`;
}

/**
 * The refusal for instances grouped by `key` into more than one series, naming each — in Series
 * Number order (as a viewer lists them), those without one last in upload order. `withoutUid`:
 * the series were told apart by Series Number and Description, which the message says.
 */
export function mixedSeriesError(instances: DicomInstance[], key: (i: DicomInstance) => string, withoutUid = false): MixedSeriesError {
  const groups = new Map<string, FoundSeries>();
  instances.forEach((inst, k) => {
    const id = key(inst);
    let s = groups.get(id);
    if (!s) groups.set(id, (s = { number: inst.seriesNumber, description: inst.seriesDescription, modalities: new Set(), planes: new Set(), files: 0, first: k }));
    s.files++;
    s.modalities.add(inst.modality ?? '');
    s.planes.add(frameLayout(inst.orientation ?? inst.frameInfo?.[0]?.orientation ?? null)?.plane ?? '');
  });
  const found = [...groups.values()].sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity) || a.first - b.first);
  const named = found.slice(0, MAX_SERIES_NAMED).map(describe).join('; ');
  const more = found.length > MAX_SERIES_NAMED ? ` and ${found.length - MAX_SERIES_NAMED} more` : '';
  const how = withoutUid ? ' The files have no Series Instance UID, so they were told apart by Series Number and Description.' : '';
  return new MixedSeriesError('series', `The files belong to ${found.length} series: ${named}${more}.${how} Upload one series at a time — the files of the one you want.`);
}
