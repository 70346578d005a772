import { rtlActual, type ReportTags } from './report-tags';
import type { ReportTextNames, ReportTextWriter } from './report-value';
import { valueLang } from './value-lang';

/**
 * A record's own text inside the report's English, tagged for a screen reader: a value, a label in
 * a heading or caption, in a language its letters name (value-lang.ts) is a Span with that /Lang, and
 * one drawn right to left a Span with its /ActualText (rtlActual). Other text is one element, as
 * written. (A Korean label in the H1 was read by the English voice, spelt out or skipped.) A word
 * printed "?" carries its own /ActualText in the content (report-value.ts pieces).
 */
export interface ReportLangText {
  /** `key` (the report's words, in `keyFont`) then the record's value `v`, as one paragraph */
  keyed(key: string, keyFont: string, v: string): void;
  /** an element `type` (H1, H3, P) of `lead`, `label`, `after`, in the box x, box (the text width by default) */
  labelled(type: string, lead: string, label: string, after?: string, options?: { bold?: boolean; x?: number; box?: number }): void;
}

export function reportLangText(
  tags: ReportTags,
  write: ReportTextWriter,
  names: Pick<ReportTextNames, 'regular' | 'bold'>,
  left: number,
  width: number,
  writerFor: (x: number, box: number) => ReportTextWriter,
): ReportLangText {
  // a Span: for a language, for a right-to-left reading order
  const spanOptions = (text: string) => {
    const lang = valueLang(text);
    const actual = rtlActual(text);
    return lang || actual.actual ? { ...(lang ? { lang } : {}), ...actual } : undefined;
  };
  return {
    keyed(key, keyFont, v) {
      const span = spanOptions(v);
      if (!span) return tags.tag('P', () => write.value(key, keyFont, v));
      const p = tags.group('P');
      write.value(key, keyFont, v, (part, draw) => (part === 'value' ? tags.tag('Span', draw, span, p) : p.add(draw)));
    },
    labelled(type, lead, label, after = '', { bold = true, x = left, box = width } = {}) {
      const span = spanOptions(label);
      if (!span) return tags.tag(type, () => write.block(`${lead}${label}${after}`, x, undefined, { width: box, bold }));
      const h = tags.group(type);
      // (a box other than the text width, the heat map's caption under its half: a writer for that box)
      const w = x === left && box === width ? write : writerFor(x, box);
      w.value(lead, bold ? names.bold : names.regular, label, (part, draw) => (part === 'value' ? tags.tag('Span', draw, span, h) : h.add(draw)), { bold, after });
    },
  };
}
