/**
 * A ZIP uploaded as a study may be no archive of files at all but a document or a program stored in
 * the ZIP container: Office Open XML (.docx, .xlsx, .pptx), OpenDocument, EPUB, a Java or an Android
 * archive. Its parts ("word/document.xml", "[Content_Types].xml") mean nothing to a user, so when
 * such an upload holds no study the refusal names what the file is instead of listing its parts.
 * Told from the central directory's names (already read and bounded), never from the file's name.
 */
export function containerDocumentKind(names: readonly string[]): string | null {
  const has = new Set(names);
  const under = (folder: string) => names.some((n) => n.startsWith(folder));
  if (has.has('[Content_Types].xml')) {
    if (under('word/')) return 'a Word document (.docx)';
    if (under('xl/')) return 'an Excel workbook (.xlsx)';
    if (under('ppt/')) return 'a PowerPoint presentation (.pptx)';
    return 'an Office Open XML document';
  }
  if (has.has('META-INF/manifest.xml') && has.has('content.xml')) return 'an OpenDocument file (.odt, .ods or .odp)';
  if (has.has('META-INF/container.xml') && has.has('mimetype')) return 'an EPUB e-book';
  if (has.has('AndroidManifest.xml')) return 'an Android app (.apk)';
  if (has.has('META-INF/MANIFEST.MF')) return 'a Java archive (.jar)';
  return null;
}
