import type dicomParser from 'dicom-parser';

/**
 * DICOM text values decoded by the file's Specific Character Set (0008,0005), for the values the
 * de-identification reads: the identifiers cut out of what is shown and the series description.
 *
 * dicom-parser reads every byte as one Latin-1 character. A UTF-8 header's "MÜLLER" became
 * "MÃ\x9cLLER": it still matched the same bytes in the description, but not the name of a side
 * file in the ZIP ("MÜLLER_brief.txt"), which was shown as "M_LLER_brief.txt". An ISO 2022 JP
 * name is ASCII bytes between escapes ("山田" is ESC $ B ";3ED" ESC ( B), and those letters
 * survived the description's safe character set as the name's JIS code.
 */

/** Defined terms (PS3.3 C.12.1.1.2) → WHATWG encoding labels (TextDecoder). */
const SINGLE_BYTE: Record<string, string> = {
  'ISO_IR 100': 'iso-8859-1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/** ISO 2022 code extensions: the G1 set's bytes (after its escape) as one of these encodings reads them. */
const ISO_2022: Record<string, string> = {
  'ISO 2022 IR 100': 'iso-8859-1',
  'ISO 2022 IR 101': 'iso-8859-2',
  'ISO 2022 IR 109': 'iso-8859-3',
  'ISO 2022 IR 110': 'iso-8859-4',
  'ISO 2022 IR 144': 'iso-8859-5',
  'ISO 2022 IR 127': 'iso-8859-6',
  'ISO 2022 IR 126': 'iso-8859-7',
  'ISO 2022 IR 138': 'iso-8859-8',
  'ISO 2022 IR 148': 'iso-8859-9',
  'ISO 2022 IR 203': 'iso-8859-15',
  'ISO 2022 IR 166': 'windows-874',
  'ISO 2022 IR 149': 'euc-kr',
  'ISO 2022 IR 58': 'gbk',
};

export interface DicomCharset {
  /** the WHATWG label the bytes are decoded with */
  label: string;
  /** ISO 2022 escape sequences are dropped before decoding (the label reads the G1 bytes) */
  stripEscapes: boolean;
}

/** The decoder for a Specific Character Set value (its terms split on "\"); Latin-1 when absent or unknown, as before. */
export function dicomCharset(value: string | undefined): DicomCharset {
  const terms = (value ?? '').split('\\').map((t) => t.trim().toUpperCase());
  // Japanese: iso-2022-jp reads the escapes itself (JIS X 0208 after ESC $ B)
  if (terms.some((t) => t === 'ISO 2022 IR 87' || t === 'ISO 2022 IR 159')) return { label: 'iso-2022-jp', stripEscapes: false };
  for (const t of terms) if (ISO_2022[t]) return { label: ISO_2022[t], stripEscapes: true };
  for (const t of terms) if (SINGLE_BYTE[t]) return { label: SINGLE_BYTE[t], stripEscapes: false };
  return { label: 'iso-8859-1', stripEscapes: false };
}

/** ESC followed by its intermediate and final bytes (ISO 2022 designations). */
const ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]/g;

/** Bytes as text in `charset`; never throws (bad bytes are U+FFFD, later cut as any non-ASCII). */
export function decodeDicomText(bytes: Uint8Array, charset: DicomCharset): string {
  let text: string;
  try {
    if (charset.stripEscapes) {
      const plain = Buffer.from(bytes).toString('latin1').replace(ESCAPE, '');
      text = new TextDecoder(charset.label).decode(Buffer.from(plain, 'latin1'));
    } else {
      text = new TextDecoder(charset.label).decode(bytes);
    }
  } catch {
    text = Buffer.from(bytes).toString('latin1');
  }
  // a value ends at a NUL and is padded with spaces (dicom-parser's string() did the same)
  const nul = text.indexOf('\0');
  return (nul >= 0 ? text.slice(0, nul) : text).trim();
}

/** The tag's value decoded by the data set's character set; undefined when absent or empty. */
export function dicomText(ds: dicomParser.DataSet, tag: string, charset: DicomCharset): string | undefined {
  const el = ds.elements[tag];
  if (!el || !el.length || el.dataOffset === undefined) return undefined;
  const text = decodeDicomText(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length), charset);
  return text === '' ? undefined : text;
}

/** What a UID from a file is shown as when it is not one (a hostile file's free text). */
export const NOT_A_UID = 'not a UID';

/**
 * A UID value (PS3.5 9.1: digits and dots, at most 64) as it may be echoed, or NOT_A_UID. The
 * transfer syntax UID was quoted whole in the 415 message and the study's metadata: a file that
 * put a patient's name or markup there had it answered back.
 */
export function shownUid(value: string): string {
  return value.length <= 64 && /^\d+(\.\d+)*$/.test(value) ? value : NOT_A_UID;
}
