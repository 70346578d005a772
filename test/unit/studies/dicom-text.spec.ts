import { scrubDescription } from '../../../src/studies/deidentify';
import { decodeDicomText, dicomCharset, NOT_A_UID, shownUid } from '../../../src/studies/dicom-text';
import { UnsupportedTransferSyntaxError } from '../../../src/studies/study-errors';
import { loadStudy } from '../../../src/studies/study-loader';
import { cp437 } from '../../../src/studies/zip-directory';
import { catchErr, LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries, zip } from '../../support/study-fixtures';

/** ISO 2022 IR 87 bytes: ASCII, then JIS X 0208 between ESC $ B and ESC ( B (as DICOM PS3.5 H.3.1 writes them). */
function jis(parts: (string | { kanji: string })[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') out.push(...Buffer.from(p, 'latin1'));
    else out.push(0x1b, 0x24, 0x42, ...Buffer.from(p.kanji, 'hex'), 0x1b, 0x28, 0x42);
  }
  return Uint8Array.from(out);
}
const YAMADA = { kanji: '3b334544' }; // 山田
const TAROU = { kanji: '42404f3a' }; // 太郎

describe('DICOM text by its Specific Character Set', () => {
  it('decodes the defined terms; an unknown or absent one stays Latin-1; bad bytes never throw', () => {
    const jp = dicomCharset('\\ISO 2022 IR 87');
    expect(decodeDicomText(jis(['Yamada^Tarou=', YAMADA, '^', TAROU]), jp)).toBe('Yamada^Tarou=山田^太郎');
    expect(decodeDicomText(Buffer.from('MÜLLER^JÖRG ', 'utf8'), dicomCharset('ISO_IR 192'))).toBe('MÜLLER^JÖRG');
    expect(decodeDicomText(Buffer.from('cdf5d0a1c3f7', 'hex'), dicomCharset('GB18030'))).toBe('王小明');
    // Korean: KS X 1001 in G1 after ESC $ ) C (PS3.5 I.2)
    expect(decodeDicomText(Uint8Array.from([0x1b, 0x24, 0x29, 0x43, 0xb1, 0xe8, 0xc8, 0xf1]), dicomCharset('\\ISO 2022 IR 149'))).toBe('김희');
    expect(decodeDicomText(Buffer.from('M\xdcLLER\0junk', 'latin1'), dicomCharset(undefined))).toBe('MÜLLER');
    expect(decodeDicomText(Buffer.from('M\xdcLLER', 'latin1'), dicomCharset('NOT A CHARSET'))).toBe('MÜLLER');
    expect(decodeDicomText(Uint8Array.from([0xff, 0xfe, 0x41]), dicomCharset('ISO_IR 192'))).toBe('\ufffd\ufffdA');
  });

  it('an ISO 2022 JP name is cut from the description; read as Latin-1 its JIS code was left ("B 3ED B T1")', () => {
    const jp = dicomCharset('\\ISO 2022 IR 87');
    const name = decodeDicomText(jis(['Yamada^Tarou=', YAMADA, '^', TAROU]), jp);
    expect(scrubDescription(decodeDicomText(jis([YAMADA, ' T1']), jp), [name])).toBe('T1');
    // even where the name is written otherwise (no token matches), no letter of its code is left
    expect(scrubDescription(decodeDicomText(jis([YAMADA, TAROU, ' T1']), jp), [name])).toBe('T1');
  });

  it('a UTF-8 header: its name is cut from a side file named after the patient (was shown as M_LLER_J_RG_brief.txt)', async () => {
    const files = dicomSeries(slices(3), { patientName: 'MÜLLER^JÖRG', seriesDescription: 'MÜLLER JÖRG AX T1', tags: { SpecificCharacterSet: 'ISO_IR 192' } });
    const study = await loadStudy([new Uint8Array(zip({ ...Object.fromEntries(files.map((b, i) => [`IM${i}`, b])), 'MÜLLER_JÖRG_brief.txt': new TextEncoder().encode('x') }))], LIMITS);
    expect(study.meta.seriesDescription).toBe('AX T1');
    expect(study.meta.skipped.names).toEqual(['#_#_brief.txt']);
  });

  it('a ZIP name without the UTF-8 flag is code page 437: the header name is cut from it (Ü = 0x9A was read as Latin-1, shown as M_LLER_brief.txt)', async () => {
    expect(cp437(Buffer.from('M\x9aLLER \xe1.txt', 'latin1'))).toBe('MÜLLER ß.txt');
    // (the fixture writer encodes text as UTF-8 whatever it declares, so the header says so)
    const files = dicomSeries(slices(3), { patientName: 'MÜLLER^JÖRG', tags: { SpecificCharacterSet: 'ISO_IR 192' } });
    const archive = zip({ ...Object.fromEntries(files.map((b, i) => [`IM${i}`, b])), 'M@LLER_brief.txt': new TextEncoder().encode('x') });
    // the writer's ASCII placeholder becomes CP437's Ü in both headers (names are not under the CRC)
    const bytes = Buffer.from(archive.toString('latin1').replaceAll('M@LLER', 'M\x9aLLER'), 'latin1');
    const study = await loadStudy([new Uint8Array(bytes)], LIMITS);
    expect(study.meta.skipped.names).toEqual(['#_brief.txt']);
  });

  it('a transfer syntax that is not a UID is never echoed: was quoted whole in the 415 message and the metadata', async () => {
    expect(shownUid('1.2.840.10008.1.2.4.90')).toBe('1.2.840.10008.1.2.4.90');
    for (const bad of ['1.2.840 SMITH^JOHN', '1..2', '1.2.', '<b>x</b>', `1.${'2'.repeat(70)}`]) expect(shownUid(bad)).toBe(NOT_A_UID);
    const hostile = '1.2.840.10008.1.2.1 SMITH^JOHN <b>';
    const err = await catchErr(() => loadStudy(dicomSeries(slices(2), { transferSyntax: hostile }).map((b) => new Uint8Array(b)), LIMITS));
    expect(err).toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect((err as Error).message).toContain(`(${NOT_A_UID})`);
    expect((err as Error).message).not.toMatch(/SMITH|<b>/);
    const refused = await loadStudy(dicomSeries(slices(2), { transferSyntax: hostile, modality: 'CT' }).map((b) => new Uint8Array(b)), LIMITS);
    expect(refused.meta.transferSyntax).toBe(NOT_A_UID);
  });

});
