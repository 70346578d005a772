/** A CSV file as its header and records, each record with the line it starts on (header = line 1). */
export interface CsvTable {
  header: string[];
  records: { line: number; cells: string[] }[];
  /** the line of a quoted field that never closes (it swallowed the rest of the file), or null */
  unclosedQuoteLine: number | null;
}

/**
 * Minimal RFC 4180 CSV reader (quoted fields, "" escapes, CRLF, a UTF-8 BOM) — enough for
 * manifests. Blank lines are not records. The BOM is dropped on purpose: header names were only
 * matched because String.prototype.trim happens to remove U+FEFF.
 */
export function readCsvTable(text: string): CsvTable {
  const rows: { line: number; cells: string[] }[] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 0;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
      quoteLine = line;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push({ line: rowLine, cells: row });
      row = [];
      field = '';
      rowLine = ++line;
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push({ line: rowLine, cells: row });
  }
  const [header, ...records] = rows.filter((r) => r.cells.length > 1 || r.cells[0] !== '');
  return { header: header ? header.cells.map((h) => h.trim()) : [], records, unclosedQuoteLine: quoted ? quoteLine : null };
}

/** The records as objects keyed by the header (missing cells ''; cells beyond the header dropped). */
export function parseCsv(text: string): Record<string, string>[] {
  const { header, records } = readCsvTable(text);
  return records.map((r) => Object.fromEntries(header.map((h, i) => [h, r.cells[i] ?? ''])));
}
