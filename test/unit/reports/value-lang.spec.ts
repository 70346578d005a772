/**
 * valueLang names a record value's language only where its letters say it reliably (value-lang.ts):
 * scripts of one language, with their Han and Latin letters; never Arabic, Cyrillic or Devanagari
 * letters (several languages each), nor a value mixing two languages.
 */
import { valueLang } from '../../../src/reports/value-lang';

describe('valueLang', () => {
  it.each([
    ['뇌 T1 축 영상', 'ko'],
    ['腦 MRI 뇌 영상', 'ko'],
    ['脳 T1 軸位 スキャン', 'ja'],
    ['データ', 'ja'],
    ['Ελένη Παπαδοπούλου', 'el'],
    ['שלום עולם', 'he'],
    ['สมอง', 'th'],
    ['ტვინი', 'ka'],
    ['ուղեղ', 'hy'],
  ])('%s → %s', (text, lang) => expect(valueLang(text)).toBe(lang));

  it.each([
    ['Brain T1 axial'],
    ['u@example.org'],
    ['脳 T1 軸位'], // kanji alone: Chinese, Japanese or Korean hanja
    ['مرحبا'], // Arabic, Persian, Urdu…
    ['Мозг Т1'], // Russian, Ukrainian, Bulgarian…
    ['मस्तिष्क'], // Hindi, Marathi, Nepali…
    ['뇌 영상 — שלום'], // two languages
    ['Ελλάδα 東京'], // Greek beside ideographs
    ['אבי@example.org'], // more Latin letters than Hebrew
    ['Série axiale du cerveau 뇌'], // one Korean word in a French value
    ['ײִדיש'], // Yiddish, in Hebrew letters
    ['— 123 —'],
  ])('%s → none', (text) => expect(valueLang(text)).toBeUndefined());
});
