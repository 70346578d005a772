/**
 * De-identification helpers. The study pipeline keeps no DICOM tag value except the modality
 * and a series description passed through scrubDescription(): length-limited, reduced to a
 * safe character set, with every token of the patient's name/IDs/accession/institution and
 * every long digit run (dates, IDs) removed.
 */
export const MAX_DESCRIPTION_LENGTH = 64;

export function scrubDescription(raw: string, identifiers: string[]): string | null {
  let s = raw.normalize('NFKC');
  const tokens = new Set<string>();
  for (const id of identifiers) {
    for (const t of id.split(/[\^\s=,._\\/-]+/)) if (t.trim().length >= 2) tokens.add(t.trim().toLowerCase());
  }
  for (const t of [...tokens].sort((a, b) => b.length - a.length)) {
    s = s.replace(new RegExp(escapeRegExp(t), 'gi'), ' ');
  }
  s = s
    .replace(/\d{5,}/g, ' ')
    .replace(/[^A-Za-z0-9 _\-+.,:()/*]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_DESCRIPTION_LENGTH)
    .trim();
  return s.length ? s : null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
