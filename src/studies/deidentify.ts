/**
 * De-identification helpers. The study pipeline keeps no DICOM tag value except the modality
 * and a series description passed through scrubDescription(): length-limited, reduced to a
 * safe character set, with every token of the patient's name/IDs/accession/institution and
 * every long digit run (dates, IDs) and every date written with separators removed.
 */
export const MAX_DESCRIPTION_LENGTH = 64;

/**
 * The tags whose values are cut out of what is shown (below): the patient's names (also
 * other, birth and mother's birth names: an alias typed into a description was shown), IDs, birth
 * date, address and telephone, the accession number, the institution and its address, and every
 * physician and operator named.
 */
export const IDENTIFIER_TAGS = [
  'x00100010', 'x00101001', 'x00101005', 'x00101060', 'x00100020', 'x00101000', 'x00100030', 'x00101040', 'x00102154',
  'x00080050', 'x00080080', 'x00080081', 'x00080090', 'x00081048', 'x00081050', 'x00081060', 'x00081070', 'x00321032',
];

export function scrubDescription(raw: string, identifiers: string[]): string | null {
  const s = cutDates(cutTokens(raw.normalize('NFKC'), identifierTokens(identifiers), ' '), ' ')
    .replace(/\d{5,}/g, ' ')
    .replace(/[^A-Za-z0-9 _\-+.,:()/*]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_DESCRIPTION_LENGTH)
    .trim();
  return s.length ? s : null;
}

/** The tokens of identifier values (patient name, IDs, birth date, accession, institution, physicians) that are cut out of what is shown: 2 characters or more, lower case, longest first. */
export function identifierTokens(identifiers: Iterable<string>): string[] {
  const tokens = new Set<string>();
  for (const id of identifiers) {
    // normalised as the text they are cut from is (NFKC): a name read from UTF-8 bytes as Latin-1
    // ("Gómez" → "GÃ³mez") has a "³" that NFKC makes "3" in the description; unnormalised, the
    // token no longer matched and "G 3mez" was shown
    for (const t of id.normalize('NFKC').split(/[\^\s=,._\\/-]+/)) if (t.trim().length >= 2) tokens.add(t.trim().toLowerCase());
  }
  return [...tokens].sort((a, b) => b.length - a.length);
}

/** `s` with every occurrence of each token (any case) replaced by `by`; longest tokens first, so a short one never leaves part of a longer one. */
export function cutTokens(s: string, tokens: string[], by: string): string {
  for (const t of tokens) s = s.replace(new RegExp(escapeRegExp(t), 'gi'), by);
  return s;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A date written with separators — 1970-01-31, 31.01.1970, 31/01/70 — has no digit run of 5 and
 * was kept: a birth date typed into a description in another form than the header's YYYYMMDD.
 * Same separator twice, so "1.5T" or "3D" are not dates.
 */
export function cutDates(s: string, by: string): string {
  return s.replace(/(?<!\d)\d{1,4}([-./])\d{1,2}\1\d{1,4}(?!\d)/g, by);
}
