/**
 * The held-out (leave-one-source-out) rows judged as ml/ judges them (loso_report.py triage_target and
 * the brain report's "met" column): the page showed the first five numeric fields, so a non-MRI row
 * read "Accepted right part —" and its own figure (passes_modality) was cut off. Checked against both
 * committed cards and the counts their committed reports print.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { judgeLosoRow, LOSO_TARGETS, losoView } from '../../../src/presentation/model-card-loso';
import { REPO_ROOT } from '../../support/app';

const card = (name: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models', name, 'model_card.json'), 'utf8')) as { metrics: { loso: { rows: Record<string, unknown>[] } } };
/** the page keeps a figure and its sign together with no-break spaces; the tests read plain spaces */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v).replace(/\u00a0/g, ' ')) as T;
const report = (name: string) => fs.readFileSync(path.join(REPO_ROOT, 'models', name, 'report.md'), 'utf8');

describe('held-out rows: the one figure of each row, its target and whether it meets it', () => {
  it('triage: each row judged on its own kind\'s field, the count as ml/ report.md prints it', () => {
    const rows = card('triage').metrics.loso.rows;
    const judged = rows.map((r) => judgeLosoRow(r, rows));
    // a non-MRI row on the share passing the MRI check (the field the ml report judges), not "accepted right part"
    for (const [i, r] of rows.entries()) {
      const j = judged[i];
      expect(j).not.toBeNull();
      const field = r.true === 'not_mri' ? 'passes_modality' : r.true === 'other_mri' ? 'accepted_as_supported' : 'accepted_right_part';
      expect({ source: r.source, field: j?.field, value: j?.value }).toEqual({ source: r.source, field, value: r[field] });
    }
    const met = judged.filter((j) => j?.met).length;
    const printed = /Targets met in \*\*(\d+) of (\d+)\*\* held-out rows/.exec(report('triage'));
    expect(printed).not.toBeNull();
    expect([met, rows.length]).toEqual([Number(printed?.[1]), Number(printed?.[2])]);
    const view = plain(losoView(card('triage').metrics.loso));
    expect(view?.summary).toMatch(new RegExp(`^${met} of ${rows.length} held-out rows meet their targets; ${rows.length - met} miss`));
    // judged on the share passing the MRI check: 1 % of the spine X-rays pass it, twice the 0.5 % target
    const cadma = view?.rows.find((r) => r.source === 'xray_spine_cadma');
    expect(cadma).toMatchObject({ kind: 'Not MRI', figure: '1.0 %', target: '≤ 0.5 %', result: 'Misses' });
    // every row's full breakdown is still there: each numeric field of the card's row
    expect(cadma?.breakdown.map((b) => b.name)).toContain('Accepted as a supported body part');
    expect(view?.rows.every((r) => r.breakdown.length >= 10)).toBe(true);
  });

  it('brain_tumor: tumour called a tumour / tumour-free called no tumour among answered, with the answered share', () => {
    const rows = card('brain_tumor').metrics.loso.rows;
    const judged = rows.map((r) => judgeLosoRow(r, rows));
    const met = judged.filter((j) => j?.met).length;
    // the brain report prints a met column (yes / **no**) per held-out row
    const section = report('brain_tumor').split('## Leave-one-source-out')[1].split('Label mix')[0];
    const yes = section.split('\n').filter((l) => /^\| .* \| yes \| [^|]* \|$/.test(l)).length;
    expect(met).toBe(yes);
    for (const [i, r] of rows.entries()) expect(judged[i]).toMatchObject({ field: 'right_among_answered', value: r.right_among_answered, also: { field: 'answered', value: r.answered } });
    const view = plain(losoView(card('brain_tumor').metrics.loso));
    expect(view?.summary).toMatch(new RegExp(`^${met} of ${rows.length} held-out rows meet their targets; ${rows.length - met} miss`));
    const tumour = view?.rows.find((r) => r.kind === 'Tumour images');
    expect(tumour?.judgedOn).toBe('Called a tumour, among the answered');
    expect(tumour?.target).toBe('≥ 95 %, with ≥ 80 % answered');
    expect(view?.rows.find((r) => r.kind === 'Tumour-free images')?.judgedOn).toBe('Called “no tumour”, among the answered');
  });

  it('the targets are the ml report\'s (loso_report.py), so a change there fails here', () => {
    const py = fs.readFileSync(path.join(REPO_ROOT, 'ml', 'src', 'mri_sentinel_ml', 'loso_report.py'), 'utf8');
    expect(py).toContain(`r["passes_modality"] <= ${LOSO_TARGETS.notMri}`);
    expect(py).toContain(`r["accepted_as_supported"] <= ${LOSO_TARGETS.unsupportedMri}`);
    expect(py).toContain(`(r["accepted_right_part"] or 0) >= ${LOSO_TARGETS.supportedMri.toFixed(2)}`);
    expect(py).toContain(`ok = (r["right_among_answered"] or 0) >= ${LOSO_TARGETS.tumourRight} and r["answered"] >= ${LOSO_TARGETS.tumourAnswered}`);
  });

  it('a row of no known kind is shown but not judged, and not counted', () => {
    const rows = [{ source: 'x', n: 3, something: 0.5 }, { source: 'y', true: 'not_mri', n: 10, passes_modality: 0, accepted_as_supported: 0 }];
    expect(judgeLosoRow(rows[0], rows)).toBeNull();
    const view = plain(losoView({ rows }));
    expect(view?.summary).toMatch(/^1 of 1 held-out rows meet their targets; 0 miss/);
    expect(view?.rows[0]).toMatchObject({ source: 'x', result: 'Not judged', target: '—' });
    expect(view?.rows[1]).toMatchObject({ figure: '0 %', result: 'Meets' });
    expect(losoView({ rows: [] })).toBeNull();
    expect(losoView(null)).toBeNull();
  });

  it('a supported body part is named from the rows, not a list in the code', () => {
    const rows = [
      { source: 'a', true: 'ankle', n: 10, accepted_right_part: 0.95, accepted_as_supported: 0.95 },
      { source: 'b', true: 'other_mri', n: 10, accepted_right_part: null, accepted_as_supported: 0.01 },
    ];
    const view = plain(losoView({ rows }));
    expect(view?.rows[0]).toMatchObject({ kind: 'Ankle MRI', judgedOn: 'Accepted as ankle (the right body part)', result: 'Meets' });
    expect(view?.rows[1]).toMatchObject({ kind: 'MRI of another body part', judgedOn: 'Accepted as ankle' });
  });
});
