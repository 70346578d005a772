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
 * MR NO, PID, PAT ID, PATIENT ID, PT ID, ACC(ESSION) (NO), NHS (NO), SSN, ID, DOB — with or without
 * ":", "#", "=", "-" or a space between, in groups ("MRN 123 456") or with a letter or two in front
 * ("MRN A4711"): the number is cut, the label stays (it says only that an ID stood there). The
 * header's own IDs are cut as tokens; this also cuts an MRN of another system or a typed one that
 * differs from the header's. Not a label inside a word ("RAPID 1000", "VALID 300"), nor 1–2 digits
 * ("ID 12"), nor a sequence parameter ("ID b1000").
 */
export function cutLabelledIds(s: string, by: string): string {
  return s.replace(LABELLED_ID, (whole: string, label: string, number: string) =>
    (number.match(/\d/g) ?? []).length >= 3 && !(/\p{L}/u.test(number) && PARAMETER_WORD.test(number.toLowerCase())) ? `${label}${by}` : whole,
  );
}

const ID_LABEL = '(?:mrn|mr\\s?#|mr\\s?no|pid|pat\\s?id|patient\\s?id|pt\\s?id|acc(?:ession)?(?:\\s?no)?|nhs(?:\\s?no)?|ssn|id|dob)';
const LABELLED_ID = new RegExp(`(?<![\\p{L}\\p{N}])(${ID_LABEL}\\.?\\s?[:#=-]?\\s?)(\\p{L}{0,2}\\d+(?:[\\s./-]\\d+)*)(?![\\p{L}\\p{N}])`, 'giu');

/**
 * A word (letters and digits between other characters, folded) that is a sequence parameter with
 * its number: a b-value (b1000, 1000b), TR/TE/TI/TD, a labelling duration or post-labelling delay
 * (LD1800, PLD1800), bandwidth, FOV, VENC, NEX, echo train, flip angle, multiband/hyperband factor,
 * a number of directions or coil channels, a matrix (256x256, 1000x) or a number in ms, s, mm, Hz.
 * Not a one-letter prefix other than b ("S4711", "P4711" are how IDs are written, and no parameter
 * written so has 4 digits).
 */
export const PARAMETER_WORD = /^(?:b|tr|te|ti|td|ld|pld|bw|fov|venc|nex|etl|fa|mb|hb|dir)?\d+(?:b|ms|s|mm|hz|x\d*|dirs?|ch)?$/;
