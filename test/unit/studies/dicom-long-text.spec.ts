import * as deidentify from '../../../src/studies/deidentify';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };

/**
 * scrubDescription's work is tokens × length: a 3 MB file with a 128,000-part patient name and a
 * 2 MB description held the event loop for 16 s, and it grows with the square of the file. What is
 * handed to it is now bounded per value (1,024 characters; a valid LO holds 64, a PN about 200).
 */
describe('long identifier and description values', () => {
  afterEach(() => jest.restoreAllMocks());

  it('hands scrubDescription at most 1,024 characters of each value, however long the tags are', async () => {
    const scrub = jest.spyOn(deidentify, 'scrubDescription');
    const name = Array.from({ length: 20_000 }, (_, i) => `P${i}Q`).join('^');
    const file = mrDicom({
      rows: 16,
      columns: 16,
      bitsAllocated: 8,
      words: new Array(256).fill(9),
      // UT: a 32-bit length, as a hostile file may give any tag
      extra: [el.str(0x00100010, 'UT', name), el.str(0x0008103e, 'UT', `AX T2 ${name.replace(/\^/g, ' ')}`)],
    });
    const study = await loadStudy([new Uint8Array(file)], LIMITS);
    expect(study.kind).toBe('slices');
    expect(scrub).toHaveBeenCalledTimes(1);
    const [description, identifiers] = scrub.mock.calls[0];
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(Math.max(...identifiers.map((v) => v.length))).toBeLessThanOrEqual(1024);
    // still scrubbed: the name's tokens are not shown
    expect(study.meta.seriesDescription).toBe('AX T2');
  });
});
