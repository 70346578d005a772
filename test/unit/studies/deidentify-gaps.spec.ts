/**
 * Identifiers that scrubDescription let through into the stored series description (and the
 * shown names of skipped ZIP side files), found in a data-protection pass: a name with an
 * apostrophe written without it (O'BRIEN → "OBRIEN"), a given name of two parts run together
 * ("VAN AN" → "VANAN"), a patient ID or accession number written in groups ("123 456"), and a date
 * with a month name or spaces ("01 JAN 1970"). Each is cut now; ordinary descriptions stay.
 */
import { identifierTokens, scrubDescription } from '../../../src/studies/deidentify';
import { shownName } from '../../../src/studies/skipped-files';
import { loadStudy } from '../../../src/studies/study-loader';
import { LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries } from '../../support/study-fixtures';

describe('de-identification gaps', () => {
  it("a name with an apostrophe is cut however the apostrophe is written, or left out (was 'AX T1 OBRIEN')", () => {
    for (const v of ["O'BRIEN", 'O’BRIEN', 'OBRIEN', 'O BRIEN', 'obrien', "o'Brien"]) {
      expect({ v, shown: scrubDescription(`AX T1 ${v} FLAIR`, ["O'BRIEN^MARY"]) }).toEqual({ v, shown: 'AX T1 FLAIR' });
    }
    expect(scrubDescription('DANGELO LUCA T2', ['D’ANGELO^LUCA'])).toBe('T2');
    // an institution's apostrophe as well ("St Mary's" → "ST MARYS" was kept as "MARYS")
    expect(scrubDescription('T1 ST MARYS', ["St Mary's Hospital"])).toBe('T1');
    expect(shownName('OBRIEN_MARY_referral.pdf', identifierTokens(["O'BRIEN^MARY"]))).toBe('#_#_referral.pdf');
  });

  it('the parts of a three-part name run together two at a time are cut (was "T2 VANAN")', () => {
    expect(scrubDescription('T2 VANAN', ['NGUYEN^VAN AN'])).toBe('T2');
    expect(scrubDescription('MARIAJOSE T1', ['GARCIA LOPEZ^MARIA JOSE'])).toBe('T1');
    expect(scrubDescription('T1 GARCIALOPEZ', ['GARCIA LOPEZ^MARIA JOSE'])).toBe('T1');
  });

  it('an ID or accession number written in groups is cut (was "ID 123 456")', () => {
    for (const v of ['123 456', '123-456', '12 34 56', '123.456']) {
      expect({ v, shown: scrubDescription(`T1 ID ${v}`, ['123456']) }).toEqual({ v, shown: 'T1 ID' });
    }
    expect(scrubDescription('T1 MRN 123 456', ['MRN123456'])).toBe('T1');
    expect(scrubDescription('ACC A 99 88 T2', ['A9988'])).toBe('ACC T2');
    expect(shownName('scan 123 456.txt', identifierTokens(['123456']))).toBe('scan #.txt');
    // short runs that are not the ID stay: a b-value list, a sequence number
    expect(scrubDescription('DWI b0 500 1000 SE 2', ['123456'])).toBe('DWI b0 500 1000 SE 2');
  });

  it('a date with a month name or written with spaces is cut (was "DOB 01 JAN 1970")', () => {
    for (const v of ['01 JAN 1970', '1 January 1970', '1-Jan-1970', '01JAN1970', '1JAN70', 'Jan 1, 1970', 'January 01 1970', '01 01 1970', '1970 01 01', 'Sept. 3 1970']) {
      expect({ v, shown: scrubDescription(`DOB ${v} T1`, []) }).toEqual({ v, shown: 'DOB T1' });
    }
    expect(shownName('letter 3 March 2024.pdf')).toBe('letter #.pdf');
    // not dates: a month-like word without a day and a year, sequence words, a b-value list
    for (const d of ['T1 MAR', 'MAR 3D T1', 'SAG T2 MAY REPEAT', 'DWI 3 500 1000', 'DEC 2 T1', 'T1 12 JUN']) {
      expect(scrubDescription(d, [])).toBe(d);
    }
  });

  it('an identifier that is a short number (a study ID "1000") is cut only as a whole token: "DWI b1000" keeps its b-value', () => {
    // was "DWI b": every 4-character token was cut wherever it stood
    for (const d of ['DWI b1000', 'DWI b0 b1000 ADC']) {
      expect({ d, shown: scrubDescription(d, ['1000']) }).toEqual({ d, shown: d });
    }
    for (const [d, shown] of [
      // another parameter of the ID's digits is cut since the header-ID-position pass (deidentify-header-id-positions.spec.ts)
      ['TR1000 TE80', 'TR TE80'],
      ['EP2D 1000X', 'EP2D X'],
      ['ID 1000', 'ID'],
      ['T1 1000', 'T1'],
      ['STUDY-1000 T2', 'STUDY- T2'],
      ['(1000) DWI', '( ) DWI'],
    ]) {
      expect({ d, shown: scrubDescription(d, ['1000']) }).toEqual({ d, shown });
    }
    // a short ID with letters in it likewise: "A12" and "AB12" as words, not inside "TRA12" or "AB123"
    expect(scrubDescription('TRA12 AB123 AB12 A12 T2', ['A12', 'AB12'])).toBe('TRA12 AB123 T2');
  });

  it('a long ID (5+ characters with a digit: a patient ID, an MRN) is still cut inside a word and in groups', () => {
    expect(scrubDescription('T1 MRN123456 FLAIR', ['MRN123456'])).toBe('T1 FLAIR');
    expect(scrubDescription('T1 XMRN-123-456 T2', ['MRN123456'])).toBe('T1 X T2');
    expect(scrubDescription('T1 ID12345X T2', ['12345'])).toBe('T1 ID X T2');
    expect(scrubDescription('AX E4711B T2', ['E4711'])).toBe('AX B T2');
  });

  it('a short study ID is cut from the stored description as a whole token only', async () => {
    const files = dicomSeries(slices(3), { seriesDescription: 'DWI b1000 STUDY 1000', tags: { StudyID: '1000' } });
    const study = await loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
    expect(study.meta.seriesDescription).toBe('DWI b1000 STUDY');
  });

  it('the responsible person (a child’s parent), the referring physician’s telephone and the study ID are cut from the stored description', async () => {
    const files = dicomSeries(slices(3), {
      seriesDescription: 'AX T1 ROE RICHARD E4711 555 0199',
      tags: { ResponsiblePerson: 'ROE^RICHARD', StudyID: 'E4711', ReferringPhysicianTelephoneNumbers: '5550199' },
    });
    const study = await loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
    expect(study.meta.seriesDescription).toBe('AX T1');
  });
});
