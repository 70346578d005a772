import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import { aggregateStudy, DiagnosisCardInfo, requiredSlices } from '../../../src/studies/study-aggregate';
import { scrubDescription } from '../../../src/studies/deidentify';
import { slicesRefusedMessage } from '../../../src/studies/study-messages';
import { bodyPartLine } from '../../../src/presentation/labels';
import type { RefusalFigures } from '../../../src/validation/refusal-cause';

const LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];
const CARD: DiagnosisCardInfo = { name: 'brain_tumor', labels: LABELS, threshold: 0.6, describe: (l) => l };

function slice(p: Partial<AnalysisResult> & { probs?: number[] }): AnalysisResult {
  const probabilities = p.probs ? Object.fromEntries(LABELS.map((l, i) => [l, p.probs![i]])) : {};
  const top = p.probs ? LABELS[p.probs.indexOf(Math.max(...p.probs))] : null;
  const conf = p.probs ? Math.max(...p.probs) : null;
  return {
    status: conf !== null && conf >= 0.6 ? 'completed' : 'inconclusive',
    stage: 'diagnosis',
    code: conf !== null && conf >= 0.6 ? null : 'LOW_CONFIDENCE',
    message: '',
    isMri: true,
    mriConfidence: 0.99,
    anatomy: 'brain',
    anatomyConfidence: 0.95,
    task: 'brain_tumor',
    label: conf !== null && conf >= 0.6 ? top : null,
    confidence: conf,
    probabilities,
    explanation: null,
    modelVersions: {},
    timingsMs: {},
    disclaimer: '',
    experimental: false,
    caveat: null,
    ...p,
  };
}
const rejected = (code: AnalysisResult['code'] = 'NOT_MRI', stage: AnalysisResult['stage'] = 'modality') =>
  slice({ status: 'rejected', stage, code, anatomy: stage === 'modality' ? null : 'other_mri', message: 'refused', task: 'triage' });
const NEG = [0.02, 0.02, 0.95, 0.01];
const GLIOMA = [0.85, 0.05, 0.05, 0.05];
const MENING = [0.05, 0.85, 0.05, 0.05];

const run = (slices: AnalysisResult[], cardFor: (b: string) => DiagnosisCardInfo | undefined = () => CARD) =>
  aggregateStudy({ slices, minUsable: 3, agreement: 0.6, cardFor });

describe('aggregateStudy', () => {
  it('carries the settings it decided under (what the record stores as study.rule), whatever the answer', () => {
    const input = { minUsable: 5, agreement: 0.75, cardFor: () => CARD };
    expect(aggregateStudy({ ...input, slices: Array(8).fill(0).map(() => slice({ probs: GLIOMA })) }).aggregation.settings).toEqual({ agreement: 0.75, minUsableSlices: 5, pairWithin: 2 });
    expect(aggregateStudy({ ...input, slices: [slice({ probs: GLIOMA })] }).aggregation.settings).toEqual({ agreement: 0.75, minUsableSlices: 5, pairWithin: 2 });
    // a series in upload order: any two slices, and the record says so
    expect(aggregateStudy({ ...input, pairWithin: null, slices: [slice({ probs: GLIOMA })] }).aggregation.settings).toEqual({ agreement: 0.75, minUsableSlices: 5, pairWithin: null });
  });
  it('the agreement a disagreement was refused under is written as it is: 4 of 7 (57.14 %) under STUDY_AGREEMENT=0.5715 does not read "57.1 % … required"', () => {
    const slices = [...Array(4).fill(0).map(() => slice({ probs: GLIOMA })), ...Array(3).fill(0).map(() => slice({ probs: MENING }))];
    const a = aggregateStudy({ slices, minUsable: 3, agreement: 0.5715, cardFor: () => CARD });
    expect(a.code).toBe('SLICE_DISAGREEMENT');
    expect(a.message).toContain('(4 of 7 confident slices say glioma; 57.15 % agreement is required)');
    // the usual 0.6 keeps its one decimal
    expect(run(slices).message).toContain('60.0 % agreement is required');
  });
  it('slices refused under one code by different checks: the quoted reason says how many it was given for, live and stored alike', () => {
    // NOT_MRI from the colour check on 2 slices and from the triage model on 2: "4 of 4 slices were refused: <colour
    // message>" read as the colour check's reason for all 4
    const by = (cause: 'colour' | 'triage_not_mri', message: string): AnalysisResult => {
      const figures: RefusalFigures = cause === 'colour' ? { colourShare: 0.2 } : { notMri: 0.99 };
      return { ...rejected(), message, refusal: { cause, figures } };
    };
    const colour = 'This image has colour.';
    const mixed = run([by('colour', colour), by('colour', colour), by('triage_not_mri', 'Model says not MRI.'), by('triage_not_mri', 'Model says not MRI.')]);
    expect(mixed.message).toBe(`4 of 4 slices were refused; on 2 of them: ${colour}`);
    expect(mixed.refusal?.figures).toMatchObject({ refusedSlices: 4, causeSlices: 2, slices: 4 });
    expect(slicesRefusedMessage(mixed.refusal!)).toMatch(/^4 of 4 slices were refused; on 2 of them: /);
    const one = run([by('colour', colour), by('colour', colour), by('colour', colour), by('colour', colour)]);
    expect(one.message).toBe(`4 of 4 slices were refused: ${colour}`);
    expect(slicesRefusedMessage(one.refusal!)).toMatch(/^4 of 4 slices were refused: /);
  });

  it('a focal tumour on a few slices wins over many tumour-free slices (top-2, not the mean)', () => {
    const a = run([...Array(18).fill(0).map(() => slice({ probs: NEG })), slice({ probs: GLIOMA }), slice({ probs: GLIOMA }), slice({ probs: GLIOMA })]);
    expect(a.status).toBe('completed');
    expect(a.label).toBe('glioma');
    expect(a.probabilities.notumor).toBeCloseTo(0.05, 5);
    expect(a.aggregation.decisiveSlices).toHaveLength(2);
    for (const i of a.aggregation.decisiveSlices) expect([18, 19, 20]).toContain(i);
    expect(a.aggregation.agreement).toBe(1);
  });

  it('a finding says which slices decided it and how many show it, not "from 21 of 21 slices" (read as all of them agreeing)', () => {
    const a = run([...Array(18).fill(0).map(() => slice({ probs: NEG })), slice({ probs: GLIOMA }), slice({ probs: [0.92, 0.03, 0.02, 0.03] }), slice({ probs: [0.93, 0.03, 0.01, 0.03] })]);
    expect(a.status).toBe('completed');
    expect(a.message).toBe('Most likely for this study: glioma (92.5 %), from its most suspicious pair of neighbouring slices, 20 and 21; 3 of 21 slices show glioma on their own.');
    const one = run([slice({ probs: GLIOMA })], () => ({ ...CARD }));
    expect(one.message).toBe('Most likely for this study: glioma (85.0 %), from its one slice.');
  });

  it('all slices tumour-free → notumor', () => {
    const a = run(Array(10).fill(0).map(() => slice({ probs: NEG })));
    expect(a).toMatchObject({ status: 'completed', label: 'notumor' });
  });

  it('two slices suffice for a finding (a small lesion)', () => {
    const a = run([...Array(22).fill(0).map(() => slice({ probs: NEG })), slice({ probs: GLIOMA }), slice({ probs: GLIOMA })]);
    expect(a).toMatchObject({ status: 'completed', label: 'glioma' });
  });

  describe('a finding is confirmed by neighbouring slices (a lesion spans adjacent slices, misreadings are scattered)', () => {
    const series = (n: number, at: Record<number, number[]>) => Array.from({ length: n }, (_, i) => slice({ probs: at[i] ?? NEG }));
    it('two confident slices far apart in the series → not a finding: inconclusive, the most suspicious shown (was glioma)', () => {
      const a = run(series(24, { 3: GLIOMA, 15: [0.9, 0.04, 0.04, 0.02] }));
      expect(a).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
      expect(a.message).toContain('2 isolated slices (e.g. slice 16) suggest glioma');
      expect(a.aggregation.pairWithin).toBe(2);
    });
    it('adjacent, or one slice between → a finding from that pair; two slices between → not', () => {
      for (const gap of [1, 2]) {
        const a = run(series(24, { 9: GLIOMA, [9 + gap]: GLIOMA }));
        expect(a).toMatchObject({ status: 'completed', label: 'glioma' });
        expect([...a.aggregation.decisiveSlices].sort((x, y) => x - y)).toEqual([9, 9 + gap]);
      }
      expect(run(series(24, { 9: GLIOMA, 12: GLIOMA }))).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT' });
    });
    it('the neighbouring pair decides, not a more suspicious slice elsewhere: its figures and message are the pair\'s', () => {
      const a = run(series(24, { 3: [0.99, 0.004, 0.003, 0.003], 14: GLIOMA, 15: GLIOMA }));
      expect(a).toMatchObject({ status: 'completed', label: 'glioma' });
      expect(a.aggregation.decisiveSlices).toEqual([14, 15]);
      expect(a.probabilities.notumor).toBeCloseTo(0.05, 6);
      expect(a.message).toBe('Most likely for this study: glioma (85.0 %), from its most suspicious pair of neighbouring slices, 15 and 16; 3 of 24 slices show glioma on their own.');
    });
    it('across slices missing from the series the distance counts them: adjacent in the series with 5 missing between → not a finding', () => {
      const gap = { afterSlice: 10, distanceMm: 30, missingSlices: 5 }; // between slices 10 and 11 (indices 9 and 10)
      const slices = series(24, { 9: GLIOMA, 10: GLIOMA });
      const across = aggregateStudy({ slices, minUsable: 3, agreement: 0.6, gaps: [gap], cardFor: () => CARD });
      expect(across).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
      expect(across.aggregation.pairWithin).toBe(2);
      // the same two slices with no gap, or with the gap elsewhere in the series: still neighbours
      expect(run(slices)).toMatchObject({ status: 'completed', label: 'glioma' });
      const elsewhere = aggregateStudy({ slices, minUsable: 3, agreement: 0.6, gaps: [{ ...gap, afterSlice: 15 }], cardFor: () => CARD });
      expect(elsewhere).toMatchObject({ status: 'completed', label: 'glioma' });
      expect([...elsewhere.aggregation.decisiveSlices].sort((x, y) => x - y)).toEqual([9, 10]);
      // one slice missing between two adjacent ones: one step between them, as one slice between
      expect(aggregateStudy({ slices, minUsable: 3, agreement: 0.6, gaps: [{ ...gap, missingSlices: 1 }], cardFor: () => CARD })).toMatchObject({ status: 'completed', label: 'glioma' });
      // order unknown: any two, gaps or not
      expect(aggregateStudy({ slices: series(24, { 3: GLIOMA, 15: GLIOMA }), minUsable: 3, agreement: 0.6, pairWithin: null, gaps: [gap], cardFor: () => CARD })).toMatchObject({ status: 'completed', label: 'glioma' });
    });
    it('slice order unknown (pairWithin null): any two slices confirm, as before', () => {
      const a = aggregateStudy({ slices: series(24, { 3: GLIOMA, 15: GLIOMA }), minUsable: 3, agreement: 0.6, pairWithin: null, cardFor: () => CARD });
      expect(a).toMatchObject({ status: 'completed', label: 'glioma' });
      expect(a.aggregation.pairWithin).toBeNull();
      expect(a.message).toContain('from its 2 most suspicious slices, 4 and 16');
    });
  });

  it('one slice alone showing a finding: neither a finding nor "nothing found" — inconclusive, that slice shown', () => {
    const a = run([...Array(10).fill(0).map(() => slice({ probs: NEG })), slice({ probs: GLIOMA })]);
    expect(a).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null, stage: 'diagnosis' });
    expect(a.message).toContain('slice 11 alone suggests glioma');
    expect(a.aggregation.decisiveSlices).toEqual([10]);
    // its heat map explains what that slice alone suggests
    expect([...a.explainLabels]).toEqual([[10, 'glioma']]);
  });

  it('each decisive slice\'s heat map explains the study\'s finding, also on a decisive slice whose own top class is another', () => {
    // slice 7 is the most suspicious (P(notumor) 0.001) and on its own says meningioma (62 %);
    // slice 6 says glioma (99 %); the type shared over the two is glioma (67 %), and 3 of the 4
    // confident slices say glioma: the study answers glioma — with slice 7 first among its decisive slices
    const MENING_TOP = [0.35, 0.62, 0.001, 0.029];
    const a = run([...Array(4).fill(0).map(() => slice({ probs: NEG })), slice({ probs: GLIOMA }), slice({ probs: GLIOMA }), slice({ probs: [0.99, 0.004, 0.003, 0.003] }), slice({ probs: MENING_TOP })]);
    expect(a).toMatchObject({ status: 'completed', label: 'glioma' });
    expect(a.aggregation.decisiveSlices).toEqual([7, 6]);
    expect([...a.explainLabels]).toEqual([[7, 'glioma'], [6, 'glioma']]);
    // below the threshold: the finding is withheld, and so are its maps (one image below it has none)
    const low = run([...Array(4).fill(0).map(() => slice({ probs: NEG })), slice({ probs: [0.5, 0.1, 0.3, 0.1] }), slice({ probs: [0.45, 0.15, 0.3, 0.1] })]);
    expect(low).toMatchObject({ status: 'inconclusive', code: 'LOW_CONFIDENCE' });
    expect(low.aggregation.decisiveSlices).toEqual([4, 5]);
    expect([...low.explainLabels]).toEqual([]);
  });

  it('an unconfident suspicious slice does not block "nothing found"', () => {
    const a = run([...Array(10).fill(0).map(() => slice({ probs: NEG })), slice({ probs: [0.3, 0.1, 0.5, 0.1] })]);
    expect(a).toMatchObject({ status: 'completed', label: 'notumor' });
  });

  it('slices disagreeing on the finding type → inconclusive SLICE_DISAGREEMENT', () => {
    const a = run([...Array(6).fill(0).map(() => slice({ probs: NEG })), slice({ probs: GLIOMA }), slice({ probs: MENING }), slice({ probs: GLIOMA }), slice({ probs: MENING })]);
    expect(a).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
  });

  it('too few usable slices → inconclusive INSUFFICIENT_SLICES, never a forced answer', () => {
    const a = run([slice({ probs: GLIOMA }), slice({ probs: GLIOMA }), rejected('LOW_CONFIDENCE'), rejected('UNSUPPORTED_BODY_PART', 'anatomy'), rejected('NOT_MRI'), rejected('LOW_CONFIDENCE', 'anatomy'), rejected('UNSUPPORTED_BODY_PART', 'anatomy'), rejected('NOT_MRI')]);
    expect(a).toMatchObject({ status: 'inconclusive', code: 'INSUFFICIENT_SLICES', label: null });
  });

  it('slices refused for one dominant reason → the study is refused for it', () => {
    const a = run(Array(8).fill(0).map(() => rejected('NOT_MRI')));
    expect(a).toMatchObject({ status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false });
  });

  it('body-part vote: disagreement → inconclusive; a clear majority wins', () => {
    const knee = (p: number[]) => slice({ probs: p, anatomy: 'knee', task: 'knee_x' });
    const split = run([slice({ probs: NEG }), slice({ probs: NEG }), slice({ probs: NEG }), knee(NEG), knee(NEG), knee(NEG)]);
    expect(split).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', stage: 'anatomy' });
    const major = run([...Array(8).fill(0).map(() => slice({ probs: NEG })), knee(NEG)]);
    expect(major).toMatchObject({ status: 'completed', anatomy: 'brain', label: 'notumor' });
    expect(major.aggregation.bodyPartVotes).toEqual({ brain: 8, knee: 1 });
    expect(major.used.has(8)).toBe(false);
  });

  it('body parts disagreeing: no slice is used and no body part named (it said "3 of 6 used" over six slices marked "not used", and "Body part: Brain (95.0 %)" — a tie broken by upload order, a figure the vote did not compare)', () => {
    const knee = (p: number[]) => slice({ probs: p, anatomy: 'knee', task: 'knee_x' });
    const split = run([slice({ probs: NEG }), slice({ probs: NEG }), slice({ probs: NEG }), knee(NEG), knee(NEG), knee(NEG)]);
    expect(split).toMatchObject({ code: 'SLICE_DISAGREEMENT', stage: 'anatomy' });
    // the page's "N of 6 used", the record's usable slices and the CSV's slicesUsed are this count; each slice's flag is `used`
    expect(split.used.size).toBe(0);
    expect(split.aggregation.usableSlices).toBe(0);
    expect(split.aggregation.bodyPartVotes).toEqual({ brain: 3, knee: 3 });
    expect(split).toMatchObject({ anatomy: null, anatomyConfidence: null, task: null, isMri: true });
    expect(bodyPartLine(split)).toBe('—');
    // the slices' own P(MRI): all six were accepted as MRI
    expect(split.mriConfidence).toBeCloseTo(0.99, 9);
  });

  it('no validated model for the body part → inconclusive NO_VALIDATED_MODEL', () => {
    const a = run(Array(5).fill(0).map(() => slice({ probs: NEG })), () => undefined);
    expect(a).toMatchObject({ status: 'inconclusive', code: 'NO_VALIDATED_MODEL', anatomy: 'brain' });
  });

  it('low study confidence → inconclusive LOW_CONFIDENCE with the probabilities reported', () => {
    const unsure = [0.3, 0.3, 0.1, 0.3];
    const a = run(Array(5).fill(0).map(() => slice({ probs: unsure })));
    expect(a).toMatchObject({ status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null });
    expect(Object.keys(a.probabilities)).toEqual(LABELS);
  });

  it('cards without a "nothing found" label: mean of calibrated probabilities', () => {
    const card: DiagnosisCardInfo = { name: 'x', labels: ['a', 'b'], threshold: 0.6, describe: (l) => l };
    const s = (pa: number) => slice({ task: 'x', probabilities: { a: pa, b: 1 - pa }, label: pa >= 0.6 ? 'a' : pa <= 0.4 ? 'b' : null, status: pa >= 0.6 || pa <= 0.4 ? 'completed' : 'inconclusive' });
    const a = aggregateStudy({ slices: [s(0.9), s(0.8), s(0.7)], minUsable: 3, agreement: 0.6, cardFor: () => card });
    expect(a.label).toBe('a');
    expect(a.probabilities.a).toBeCloseTo(0.8, 6);
  });

  // decideDiagnosis withholds an answer for an image unlike the training data at any confidence: the slice is
  // inconclusive LOW_CONFIDENCE with its (untrustworthy) figure at or above the threshold
  const unfamiliar = (probs: number[]) => slice({ probs, status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null });

  it('a slice withheld as unlike the training data is not used: neither its probabilities nor its count (was "from 6 of 6 slices")', () => {
    const quiet = run([...Array(5).fill(0).map(() => slice({ probs: NEG })), unfamiliar(NEG)]);
    expect(quiet).toMatchObject({ status: 'completed', label: 'notumor' });
    expect(quiet.message).toContain('from 5 of 6 slices');
    expect(quiet.aggregation.usableSlices).toBe(5);
    expect([...quiet.used].sort()).toEqual([0, 1, 2, 3, 4]);
    // an unfamiliar slice scoring glioma at 94 % made the study "unable to determine" over five clean slices
    const loud = run([...Array(5).fill(0).map(() => slice({ probs: NEG })), unfamiliar([0.94, 0.02, 0.02, 0.02])]);
    expect(loud).toMatchObject({ status: 'completed', label: 'notumor' });
    expect(loud.aggregation.decisiveSlices).not.toContain(5);
  });

  it('too few slices left once the unfamiliar ones are set aside → inconclusive INSUFFICIENT_SLICES, saying why', () => {
    const a = run([slice({ probs: NEG }), slice({ probs: NEG }), unfamiliar(GLIOMA), unfamiliar(NEG)]);
    expect(a).toMatchObject({ status: 'inconclusive', stage: 'diagnosis', code: 'INSUFFICIENT_SLICES', label: null });
    expect(a.message).toMatch(/only 2 of 4 slices were usable \(at least 3 are needed\); 2 were unlike the .*training data/);
  });

  it('a plain low-confidence slice (below the threshold) still counts towards the study', () => {
    const a = run([...Array(4).fill(0).map(() => slice({ probs: NEG })), slice({ probs: [0.4, 0.1, 0.45, 0.05] })]);
    expect(a.message).toContain('from 5 of 5 slices');
  });

  it('required slices: max(min, 25 %), capped by the study size', () => {
    expect(requiredSlices(1, 3)).toBe(1);
    expect(requiredSlices(24, 3)).toBe(6);
    expect(requiredSlices(8, 3)).toBe(3);
  });
});

describe('scrubDescription', () => {
  it('removes identifier tokens and long digit runs, keeps a safe, short description', () => {
    expect(scrubDescription('AX T1 Doe JOHN 19700101 ünïcode', ['DOE^JOHN', '123'])).toBe('AX T1 n code');
    expect(scrubDescription('x'.repeat(200), [])!.length).toBe(64);
    expect(scrubDescription('DOE', ['DOE^JOHN'])).toBeNull();
  });

  it('cuts a name whose bytes NFKC changes: UTF-8 read as Latin-1 (was shown as "G 3mez T1")', () => {
    const asLatin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1'); // "Gómez" → "GÃ³mez"; NFKC makes "³" a "3"
    expect(scrubDescription(asLatin1('Gómez T1'), [asLatin1('Gómez^Ana')])).toBe('T1');
  });

  it('cuts dates written with separators, keeps figures that are not dates', () => {
    expect(scrubDescription('AX T1 1970-01-31 31.01.1970 31/01/70 1.5T 3D 2.5 mm', [])).toBe('AX T1 1.5T 3D 2.5 mm');
  });
});
