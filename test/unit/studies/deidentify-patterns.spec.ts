/**
 * What the scrub cuts without the header's identifiers: an ID behind its label ("MRN 123 456",
 * "DOB: 1970", "PID4711") and a person's name in DICOM's FAMILY^GIVEN form — another person's
 * (a referrer, a second patient) is in no header. These rules are also what
 * `npm run descriptions:rescrub` can re-apply to stored rows, where no identifier is kept.
 */
import { scrubDescription } from '../../../src/studies/deidentify';
import { SERIES_DESCRIPTIONS } from '../../support/series-descriptions';

const LABELS = ['MRN', 'MR#', 'MR NO', 'PID', 'PATID', 'PAT ID', 'Patient ID', 'PT ID', 'ACC', 'Accession', 'ACC NO', 'NHS', 'NHS No', 'SSN', 'ID', 'DOB'];
const NUMBERS = ['4711', '123 456', '123-456-789', '12.34.56', 'A4711', '0815'];
const GLUE = [' ', ': ', '#', ' #', '=', '-', ':', ''];

describe('identifier-free patterns', () => {
  it('a number of 3+ digits behind an ID label is cut, label kept, every label × number × separator', () => {
    const kept: string[] = [];
    let n = 0;
    for (const label of LABELS) {
      for (const number of NUMBERS) {
        for (const glue of GLUE) {
          if (glue === '' && /\d$/.test(label)) continue;
          const d = `AX T1 ${label}${glue}${number} FLAIR`;
          n++;
          const shown = scrubDescription(d, []) ?? '';
          if (/\d{2}/.test(shown.replace(/\bT1\b/, ''))) kept.push(`${d} -> ${shown}`);
        }
      }
    }
    expect(n).toBeGreaterThan(700);
    expect(kept).toEqual([]);
  });

  it('a short number, a label inside a word, or a sequence word is not cut', () => {
    for (const d of ['T1 ID 12', 'PIDX 4711', 'VALID 300', 'SE 2 ID', 'ACC 3D T1', 'DWI b1000', 'ACCEL 2000', 'RAPID 1000']) {
      expect({ d, shown: scrubDescription(d, []) }).toEqual({ d, shown: d });
    }
    // the number behind the label goes, the b-value after it stays
    expect(scrubDescription('T1 ID 1000 b1000 SE 2', [])).toBe('T1 ID b1000 SE 2');
  });

  it('a name in FAMILY^GIVEN form is cut, whoever it names', () => {
    for (const [d, shown] of [
      ['AX T1 SMITH^JOHN', 'AX T1'],
      ['DOE^JANE^MARIE T2', 'T2'],
      ["O'BRIEN^MARY FLAIR", 'FLAIR'],
      ['MÜLLER^JÜRGEN DWI', 'DWI'],
      ['T2-SMITH-JONES^ANNA', 'T2-'],
      ['DOE^JEAN-PAUL T1', 'T1'],
      ['SMITH^JOHN-T1', '-T1'],
    ]) {
      expect({ d, shown: scrubDescription(d, []) }).toEqual({ d, shown });
    }
  });

  it(`none of the ${SERIES_DESCRIPTIONS.length} protocol names is touched by the patterns`, () => {
    expect(SERIES_DESCRIPTIONS.filter((d) => scrubDescription(d, []) !== d)).toEqual([]);
  });
});
