/**
 * De-identification helpers. The study pipeline keeps no DICOM tag value except the modality
 * and a series description passed through scrubDescription(): length-limited, reduced to a
 * safe character set, with every token of the patient's name/IDs/accession/institution and
 * every long digit run (dates, IDs) removed.
 */
export const MAX_DESCRIPTION_LENGTH = 64;

export function scrubDescription(raw: string, identifiers: string[]): string | null {
  const s = cutTokens(raw.normalize('NFKC'), identifierTokens(identifiers), ' ')
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
    for (const t of id.split(/[\^\s=,._\\/-]+/)) if (t.trim().length >= 2) tokens.add(t.trim().toLowerCase());
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
