/**
 * A patient's name written another way in a free-text description was shown: PatientName
 * MÜLLER^JÜRGEN cut "MÜLLER JÜRGEN" but not "MUELLER JURGEN", "Muller, Jurgen" or "jurgen
 * mueller". The variants here are generated from each name — umlaut transliterations, ß/ss,
 * accents stripped, case, separators, order — and every one must lose every name part, while
 * the description's own words stay.
 */
import { cutTokens, identifierTokens, scrubDescription } from '../../../src/studies/deidentify';
import { shownName } from '../../../src/studies/skipped-files';

const GERMAN: Record<string, string[]> = { Ä: ['AE', 'A'], Ö: ['OE', 'O'], Ü: ['UE', 'U'], ß: ['SS'], ẞ: ['SS'] };

/** Every spelling of one upper-case name part: each umlaut/ß as itself or transliterated, or the part with all accents stripped. */
function spellings(part: string): string[] {
  let out = [''];
  for (const ch of part) out = out.flatMap((prefix) => [ch, ...(GERMAN[ch] ?? [])].map((c) => prefix + c));
  out.push(part.normalize('NFKD').replace(/\p{M}/gu, ''));
  return [...new Set(out)];
}

const CASES = [(s: string) => s.toUpperCase(), (s: string) => s.toLowerCase(), (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase()];
const SEPARATORS = [' ', ', ', '^', '_', '-'];

/** Family and given name, every spelling × case × separator, in either order. */
function variants(dicomName: string): string[] {
  const [family, given] = dicomName.split('^');
  const out = new Set<string>();
  for (const f of spellings(family)) {
    for (const g of spellings(given)) {
      for (const c of CASES) {
        for (const sep of SEPARATORS) {
          out.add(`${c(f)}${sep}${c(g)}`);
          out.add(`${c(g)}${sep}${c(f)}`);
        }
      }
    }
  }
  return [...out];
}

const NAMES = ['MÜLLER^JÜRGEN', 'STRAUß^ANDRÉ', 'GÖTZ^BÄRBEL', 'GÓMEZ^JOSÉ', 'ØSTERGÅRD^SØREN', 'DVOŘÁK^ANTONÍN', 'ÇELİK^AYŞE'];

describe('de-identification: a patient name written another way in a description', () => {
  it.each(NAMES)('every generated spelling of %s is cut; the description around it stays', (name) => {
    const all = variants(name);
    expect(all.length).toBeGreaterThanOrEqual(30);
    for (const v of all) {
      expect({ v, shown: scrubDescription(`AX T1 ${v} FLAIR post`, [name]) }).toEqual({ v, shown: 'AX T1 FLAIR post' });
    }
  });

  it('the examples as reported', () => {
    for (const d of ['MUELLER JURGEN AX T1', 'Muller, Jurgen AX T1', 'AX T1 jürgen müller', 'AX T1 MUELLER^JUERGEN', 'MULLER JUERGEN AX T1']) {
      expect(scrubDescription(d, ['MÜLLER^JÜRGEN'])).toBe('AX T1');
    }
    expect(scrubDescription('Strauss Andre SAG T2', ['STRAUß^ANDRÉ'])).toBe('SAG T2');
    // the other way round: the header transliterated, the description with the letters themselves
    expect(scrubDescription('Straußé T2', ['STRAUSSE^X'])).toBe('T2');
    expect(scrubDescription('MÜLLER T2', ['MUELLER^JURGEN'])).toBe('T2');
  });

  it('a short name part (under 4 letters) is cut only as a whole word: no "slice", "scan" or "sleep" is cut', () => {
    expect(scrubDescription('SLICE SCAN Li An SLEEP T2', ['LI^AN'])).toBe('SLICE SCAN SLEEP T2');
    expect(scrubDescription('AN,LI sagittal', ['LI^AN'])).toBe('sagittal');
    expect(scrubDescription('Lee AX T1 SLEEPER', ['LEE^ANN'])).toBe('AX T1 SLEEPER');
    expect(scrubDescription('ANNOTATED ann', ['LEE^ANN'])).toBe('ANNOTATED');
    // run together, the parts make a longer token that is cut anywhere
    expect(scrubDescription('LIAN_T1 AnLi', ['LI^AN'])).toBe('_T1');
    // a longer name part is still cut inside a word, as before (a name glued to a sequence name)
    expect(scrubDescription('T1MUELLER', ['MÜLLER^X'])).toBe('T1');
  });

  it('a name in a script written without spaces is cut inside a run of letters, however short', () => {
    // (one cut: the two neighbouring parts run together are a token of their own, "山田太郎")
    expect(cutTokens('山田太郎 T1', identifierTokens(['Yamada^Tarou=山田^太郎']), ' ')).toBe('  T1');
    expect(cutTokens('김희 T1', ['김희'], '#')).toBe('# T1');
  });

  it('cuts the original characters, whatever they fold to (ß → ss, ae → a)', () => {
    expect(cutTokens('x Straße y', ['strasse'], '#')).toBe('x # y');
    expect(cutTokens('x Maeier y', ['maier'], '#')).toBe('x # y');
    expect(cutTokens('x MÆIER y', ['maier'], '#')).toBe('x # y');
    // text with astral characters keeps its offsets
    expect(cutTokens('𝔘 Müller 𝔘', ['mueller'], '#')).toBe('𝔘 # 𝔘');
  });

  it('a skipped file named after the patient in another spelling loses the name too', () => {
    const tokens = identifierTokens(['MÜLLER^JÜRGEN']);
    expect(shownName('CD/MUELLER_JURGEN_brief.txt', tokens)).toBe('#_#_brief.txt');
    expect(shownName('jurgen muller.pdf', tokens)).toBe('# #.pdf');
  });

  it('ordinary descriptions without the name are left as they were', () => {
    for (const d of ['AX T1 MPRAGE', 'SAG T2 FLAIR', 'DWI b1000 ADC', 'Localizer 3-plane', 'COR STIR fat sat']) {
      expect(scrubDescription(d, ['MÜLLER^JÜRGEN', 'LI^AN', 'ABC123'])).toBe(d);
    }
  });
});
