/**
 * Text with Hangul is broken into lines by line-breaks.ts, at spaces only before: a hyphenated Latin
 * word in it ("post-contrast") never broke at its hyphen, as pdfkit (UAX #14) breaks it in Latin
 * text; it moved whole to the next line, leaving a short line, or was cut between two letters where
 * longer than a line. A line may now end after a hyphen that follows a letter or digit and comes
 * before a letter.
 */
import { BREAK, breakLines, hasFigure, hasIdentifier } from '../../../src/reports/line-breaks';

/** Ten points a character: lines checked by their length. */
const measure = (t: string) => 10 * [...t].length;

describe('line-breaks: after a hyphen in a word', () => {
  it('a hyphenated Latin word in Korean text breaks after its hyphen', () => {
    expect(breakLines('조영 증강 post-contrast 영상', measure, 131, 131)).toEqual(['조영 증강 post-', 'contrast 영상']);
  });

  it('a hyphenated word longer than a line breaks at its hyphen, not between letters', () => {
    expect(breakLines('뇌 gadolinium-enhanced', measure, 150, 150)).toEqual(['뇌 gadolinium-', 'enhanced']);
  });

  it('not before a digit, not after a space, not a run of hyphens at a word start', () => {
    expect('T1-강조 T-1 2026-12-07 -5 a\u2010b'.split(BREAK)).toEqual(['T1-', '강조 ', 'T-1 ', '2026-12-07 ', '-5 ', 'a\u2010', 'b']);
  });

  // an e-mail address or a file-like name broken at its hyphen reads as another one: pdftotext (and a
  // reader) takes "team-" at a line's end for a word broken in two and gives "teamlead@…"
  it('a word that names something (an e-mail address, a name with "_" or "/") is never broken at its hyphens', () => {
    expect(breakLines('for team-lead@hospital-trust.example.org', measure, 150, 400)).toEqual(['for', 'team-lead@hospital-trust.example.org']);
    expect(breakLines('from ax-t1_post-gad-export', measure, 120, 300)).toEqual(['from', 'ax-t1_post-gad-export']);
    // prose still breaks after a hyphen
    expect(breakLines('from post-contrast series', measure, 111, 300)).toEqual(['from post-', 'contrast series']);
    expect(hasIdentifier('MRI post-contrast')).toBe(false);
    expect(hasIdentifier('u-1@example.org')).toBe(true);
  });

  // a figure read as "(≥" at one line's end and "60.0 %," at the next's start, or "60.0" / "%"
  it('a relation sign stays with its number, and a number with its "%"', () => {
    expect(breakLines('alone (≥ 60.0 %, without', measure, 95, 300)).toEqual(['alone', '(≥ 60.0 %, without']);
    expect(breakLines('share 60.0 % kept', measure, 115, 300)).toEqual(['share', '60.0 % kept']);
    expect(hasFigure('(≥ 60.0 %)')).toBe(true);
    expect(hasFigure('T1 post-contrast')).toBe(false);
  });
});
