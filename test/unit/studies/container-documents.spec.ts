/**
 * A Word document, a spreadsheet, an e-book or a Java/Android archive uploaded as a study is a ZIP
 * underneath; its refusal says what it is instead of listing its parts ("document.xml, styles.xml"),
 * which mean nothing to the person who uploaded it. Beside a real series it changes nothing.
 */
import { containerDocumentKind } from '../../../src/studies/container-documents';
import { loadStudy } from '../../../src/studies/study-loader';
import { UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { catchErr, LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries, zip } from '../../support/study-fixtures';

const text = (s: string) => new TextEncoder().encode(s);
const docx = () =>
  zip({ '[Content_Types].xml': text('<Types/>'), '_rels/.rels': text('<R/>'), 'word/document.xml': text('<w:document/>'), 'word/styles.xml': text('<s/>') });
const USUAL = "Upload the series' DICOM files (or a ZIP of them) or a NIfTI volume.";

describe('a document in the ZIP container uploaded as a study', () => {
  it('a .docx on its own → 415 naming a Word document (was: "it holds 3 other files (_Content_Types_.xml, document.xml, styles.xml)")', async () => {
    const err = await catchErr(() => loadStudy([new Uint8Array(docx())], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_TYPE' });
    expect((err as Error).message).toBe(`The uploaded file is a Word document (.docx), not a study: no DICOM or NIfTI file was found in the upload. ${USUAL}`);
  });

  it('the second of two files, beside a ZIP of README files → named by its position', async () => {
    const err = await catchErr(() => loadStudy([new Uint8Array(zip({ 'README.TXT': text('hello') })), new Uint8Array(docx())], LIMITS));
    expect((err as Error).message).toMatch(/^The upload's file 2 of 2 is a Word document \(\.docx\), not a study/);
  });

  it('beside a series the document changes nothing: the series is read, the document counted as skipped', async () => {
    const series = dicomSeries(slices(3)).map((b) => new Uint8Array(b));
    const study = await loadStudy([...series, new Uint8Array(docx())], LIMITS);
    expect(study.kind === 'slices' && study.slices.length).toBe(3);
  });

  it('tells the kinds from the central directory names, not from any file name', () => {
    const kinds: [string[], string | null][] = [
      [['[Content_Types].xml', 'xl/workbook.xml'], 'an Excel workbook (.xlsx)'],
      [['[Content_Types].xml', 'ppt/presentation.xml'], 'a PowerPoint presentation (.pptx)'],
      [['[Content_Types].xml', 'custom/part.xml'], 'an Office Open XML document'],
      [['mimetype', 'content.xml', 'META-INF/manifest.xml'], 'an OpenDocument file (.odt, .ods or .odp)'],
      [['mimetype', 'META-INF/container.xml', 'OEBPS/book.opf'], 'an EPUB e-book'],
      [['AndroidManifest.xml', 'classes.dex', 'META-INF/MANIFEST.MF'], 'an Android app (.apk)'],
      [['META-INF/MANIFEST.MF', 'org/x/Main.class'], 'a Java archive (.jar)'],
      [['IMAGES/IM0', 'DICOMDIR', 'README.TXT'], null],
      [['study/word/document.xml', 'study/[Content_Types].xml'], null], // inside a folder: an export's side files, not the container
    ];
    for (const [names, kind] of kinds) expect({ names, kind: containerDocumentKind(names) }).toEqual({ names, kind });
  });
});
