/**
 * The scrub's rules that need no identifier (scrubDescription in deidentify.ts applies them to every
 * description, and npm run descriptions:rescrub to stored ones, where no identifier is kept): dates,
 * numbers behind an ID label, and names written in DICOM's FAMILY^GIVEN form.
 */

/**
 * A date written with separators — 1970-01-31, 31.01.1970, 31/01/70, 31 01 1970, 1970 01 31 — has
 * no digit run of 5 and was kept: a birth date typed into a description in another form than the
 * header's YYYYMMDD; so was one with its month in words — 01 JAN 1970, 1-Jan-70, 01JAN1970, Jan 1,
 * 1970, 3. März 1970. Same separator twice, so "1.5T" or "3D" are not dates; spaces only between a
 * day and month of 1–31 and a year of 19xx or 20xx ("DWI 3 500 1000", "b 0 50 2000" are not one); a month word only between a day and a year
 * or before a day and a four-digit year ("T1 MAR", "MAR 3D", "12 JUN" stay).
 */
export function cutDates(s: string, by: string): string {
  return s
    .replace(/(?<!\d)\d{1,4}([-./])\d{1,2}\1\d{1,4}(?!\d)/g, by)
    .replace(SPACED_DATE, by)
    .replace(DAY_MONTH_YEAR, by)
    .replace(MONTH_DAY_YEAR, by);
}

/** Day and month (each 1–31, as either order writes them) and a year of 19xx or 20xx, with single spaces between. */
const D = '(?:0?[1-9]|[12]\\d|3[01])';
const SPACED_DATE = new RegExp(`(?<!\\d)(?:${D} ${D} (?:19|20)\\d\\d|(?:19|20)\\d\\d ${D} ${D})(?!\\d)`, 'g');

/** Month names and abbreviations, English and German (as the umlaut names above), with an optional dot. */
const MONTH =
  '(?:jan(?:uary|uar)?|feb(?:ruary|ruar)?|m(?:ar(?:ch)?|ärz|aerz|rz)|apr(?:il)?|ma[iy]|jun[ei]?|jul[yi]?|aug(?:ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|de[cz](?:ember)?)\\.?';
const DAY_MONTH_YEAR = new RegExp(`(?<![\\p{L}\\p{N}])\\d{1,2}(?:st|nd|rd|th|\\.)?[\\s./-]*${MONTH}[\\s./,-]*(?:\\d{4}|\\d{2})(?![\\p{L}\\p{N}])`, 'giu');
const MONTH_DAY_YEAR = new RegExp(`(?<![\\p{L}\\p{N}])${MONTH}[\\s./-]*\\d{1,2}(?:st|nd|rd|th)?,?[\\s./-]*\\d{4}(?![\\p{L}\\p{N}])`, 'giu');

/**
 * A person's name as DICOM writes one (FAMILY^GIVEN^MIDDLE…), typed into a description: a run of
 * letters, apostrophes, dots and hyphens with a caret in it ("SMITH^JOHN", "O'BRIEN^MARY",
 * "DOE^JANE^MARIE"). The header's names are cut as tokens; this also cuts another person's (a
 * referrer, a second patient), which is in no header. No sequence name has a caret.
 */
export function cutPersonNames(s: string, by: string): string {
  return s.replace(PERSON_NAME, by);
}

/** A name part: letters (with marks and apostrophes), joined by single hyphens or dots (JEAN-PAUL, ST. JOHN). */
const NAME_PART = "\\p{L}[\\p{L}\\p{M}'’]*(?:[-.]\\p{L}[\\p{L}\\p{M}'’]*)*";
/** Ends where no letter or digit follows: "SMITH^JOHN-T1" loses "SMITH^JOHN", not the T of T1. */
const PERSON_NAME = new RegExp(`(?<![\\p{L}\\p{M}\\p{N}'’])${NAME_PART}(?:\\^+(?:${NAME_PART})?)+(?![\\p{L}\\p{N}])`, 'gu');

/**
 * A number of 3 digits or more behind a label that says it is an ID or a birth date — MRN, MR#,
 * MR NO, PID, PAT ID, PATIENT ID, PT ID, ACC(ESSION) (NO), NHS (NO), SSN, ID, DOB, or "#" alone — with
 * or without ":", "#", "=", "-", a space or an underscore between ("PID_4711", "PAT_ID_4711" were
 * kept), in groups ("MRN 123 456") or with a letter or two in front ("MRN A4711", "ID b4711"): the
 * number is cut, the label stays (it says only that an ID stood there). The header's own IDs are cut
 * as tokens; this also cuts an MRN of another system or a typed one that differs from the header's.
 * Not a label inside a word ("RAPID 1000", "VALID_300"), nor 1–2 digits ("ID 12", "Series #3"), nor
 * a sequence parameter ("ID b1000").
 */
export function cutLabelledIds(s: string, by: string): string {
  return s.replace(LABELLED_ID, (whole: string, label: string, number: string) =>
    (number.match(/\d/g) ?? []).length >= 3 && !(/\p{L}/u.test(number) && isParameterWord(number)) ? `${label}${by}` : whole,
  );
}

/** The words of a label may be joined by a space, an underscore or a hyphen (PAT_ID, ACC_NO, Patient-ID); "#" alone is one too ("#4711"). */
const J = '[\\s_-]?';
const ID_LABEL = `(?:mrn|mr${J}#|mr${J}no|pid|pat${J}id|patient${J}id|pt${J}id|acc(?:ession)?(?:${J}no)?|nhs(?:${J}no)?|ssn|id|dob|#)`;
/** Label, then glue: a dot, a space or underscore, one of ":#=-", a space or underscore ("PID_4711", "ID_:_4711" as "ID: 4711"). */
const LABELLED_ID = new RegExp(`(?<![\\p{L}\\p{N}])(${ID_LABEL}\\.?[\\s_]?[:#=-]?[\\s_]?)(\\p{L}{0,2}\\d+(?:[\\s./-]\\d+)*)(?![\\p{L}\\p{N}])`, 'giu');

/**
 * Whether a word (letters and digits between other characters) is a sequence parameter with its
 * number: a b-value (b1000, 1000b), TR/TE/TI/TD, a labelling duration or post-labelling delay
 * (LD1800, PLD1800), bandwidth, FOV, VENC, NEX, echo train, flip angle, multiband/hyperband factor,
 * a number of directions or coil channels, a matrix (256x256, 1000x) or a number in ms, s, mm, Hz.
 * Not a one-letter prefix other than b ("S4711", "P4711" are how IDs are written, and no parameter
 * written so has 4 digits). A b-value only where it is one a scanner is set to (isBValue): "b4711"
 * is an ID written behind a "b", and was kept as a parameter.
 */
export function isParameterWord(word: string): boolean {
  const m = PARAMETER_WORD.exec(word.toLowerCase());
  if (!m) return false;
  const [, prefix, digits, suffix] = m;
  const bValue = prefix === 'b' || (prefix === undefined && suffix === 'b');
  return !bValue || isBValue(digits);
}

const PARAMETER_WORD = /^(b|tr|te|ti|td|ld|pld|bw|fov|venc|nex|etl|fa|mb|hb|dir)?(\d+)(b|ms|s|mm|hz|x\d*|dirs?|ch)?$/;

/**
 * Whether a word is a b-value as scanners write one — "b1000", "1000b" (GE) — with a number a
 * scanner is set to (isBValue). The one parameter position where a header's short ID is kept
 * (deidentify.ts runInto): "b1000" with a study ID 1000 cannot be told from the protocol's b-value,
 * while "TR4711" or "4711ms" with a patient ID 4711 are cut (every parameter word kept its number
 * before).
 */
export function isBValueWord(word: string): boolean {
  const m = /^(?:b(\d+)|(\d+)b)$/.exec(word.toLowerCase());
  return m !== null && isBValue(m[1] ?? m[2]);
}

/**
 * A diffusion weighting as protocols name them: 0 to 99 (IVIM's b5, b10, b25, b50), a multiple of 10
 * below 1000 (b120, b150, b800), from 1000 a multiple of 100 up to 3000 (b1400, b2000; and 1250, 1750,
 * 2250, 2750), of 500 up to 10000 (b3500, b5000, b10000); never with a leading zero. 4-digit IDs
 * that pass — 38 of the 9,000 from 1000 to 9999 — are kept where written as a b-value: a header's
 * "1000" cannot be told from the b-value in "DWI b1000". (Every multiple of 50 up to 10000 passed
 * before: 180 of the 9,000; no protocol name of test/support/series-descriptions.ts has a b-value
 * the narrower rule refuses.)
 */
export function isBValue(digits: string): boolean {
  if (digits.length > 1 && digits.startsWith('0')) return false;
  const n = Number(digits);
  if (n < 1000) return n < 100 || n % 10 === 0;
  if (n <= 3000) return n % 100 === 0 || n % 250 === 0;
  return n <= 10000 && n % 500 === 0;
}

/**
 * A bare number of 4 digits that reads as no sequence parameter: a word of its own, no b-value a
 * scanner uses (isBValue), behind no parameter's name (TR 2500, PLD 2025, b = 3000, 1024 x 1024) and
 * before no unit (2000 ms), nor part of a decimal. What is left of an ID whose label an older rule let
 * through and the character set stripped ("T2 #4711" was stored "T2 4711"), and of a year; also an
 * unlabelled parameter of such a number ("MPRAGE 2310"). None of the 313 protocol names of
 * test/support/series-descriptions.ts has one. Not a rule of the scrub (a description's number is
 * more often its own than an ID the header does not hold); `npm run descriptions:rescrub` counts
 * stored rows with one, and cuts it with --cut-bare-numbers (rescrub-descriptions.ts).
 */
export function cutBareNumbers(s: string, by: string): string {
  return s.replace(BARE_NUMBER, (digits: string, at: number) =>
    isBValue(digits) || PARAMETER_BEFORE.test(s.slice(Math.max(0, at - 8), at)) || UNIT_AFTER.test(s.slice(at + digits.length)) ? digits : by,
  );
}

const BARE_NUMBER = /(?<![\p{L}\p{N}]|[.,]\d*)\d{4}(?![\p{L}\p{N}]|[.,]\d)/gu;
const PARAMETER_BEFORE = /(?:^|[^\p{L}\p{N}])(?:b|tr|te|ti|td|ld|pld|bw|fov|venc|nex|etl|fa|mb|hb|x)[\s=:_-]{1,3}$/iu;
const UNIT_AFTER = /^[\s_-]?(?:ms|s|mm|hz|x|dirs?|ch)(?![\p{L}\p{N}])/iu;
