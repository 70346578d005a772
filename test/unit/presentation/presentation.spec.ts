import * as path from 'node:path';
import type { HistoryItem } from '../../../src/history/history.service';
import { compileCardValidator, ModelCard } from '../../../src/inference/model-card';
import { fileSummary, historyDetail, historyRow, humanTime } from '../../../src/presentation/history.view';
import { humanLabel, humanMm, reportFileName, resultTitle, scopeFromCards, scopeSentence } from '../../../src/presentation/labels';
import { percent, share } from '../../../src/presentation/percent';
import { describeCard, modelCardView, ModelCardView } from '../../../src/presentation/model-card.view';
import { REPO_ROOT } from '../../support/app';
import * as fs from 'node:fs';

const item = (over: Partial<HistoryItem> = {}): HistoryItem => ({
  id: '0e604df8-ff84-454e-8abe-e0228461623e',
  createdAt: '2026-12-04T18:33:10.943Z',
  userId: 'u',
  userEmail: 'a@example.org',
  fileType: 'jpeg',
  byteSize: 11748,
  width: 256,
  height: 256,
  sha256: 'ab',
  status: 'completed',
  stage: 'diagnosis',
  code: null,
  anatomy: 'brain',
  anatomyConfidence: 0.9999,
  isMri: true,
  mriConfidence: 1,
  task: 'brain_tumor',
  label: 'notumor',
  confidence: 0.87654,
  probabilities: { notumor: 0.87654, glioma: 0.1, meningioma: 0.02, pituitary: 0.00346 },
  modelVersions: { triage: '2.0.0', brain_tumor: '2.0.0' },
  timingsMs: { total: 12.3456 },
  thresholds: { triage: 0.6, brain_tumor: 0.6 },
  study: null,
  refusal: null,
  ...over,
});

function loadCard(name: string): ModelCard {
  const validate = compileCardValidator(path.join(REPO_ROOT, 'models', 'model_card.schema.json'));
  return validate(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/fake-models', name, 'model_card.json'), 'utf8')));
}

describe('presentation: words and rounded figures for people', () => {
  it('labels, percentages, millimetres and titles', () => {
    expect(humanLabel('notumor')).toBe('no tumour');
    expect(humanLabel('other_mri')).toBe('other MRI');
    expect(humanLabel(null)).toBe('—');
    expect(percent(1)).toBe('> 99.9 %');
    expect(percent(0.876543)).toBe('87.7 %');
    expect(percent(0.0001)).toBe('< 0.1 %');
    expect(percent(null)).toBe('—');
    expect(humanMm(0.8999999761581421)).toBe('0.9');
    expect(resultTitle(item())).toBe('No tumour');
    expect(resultTitle(item({ status: 'inconclusive', code: 'NO_VALIDATED_MODEL', anatomy: 'spine', label: null }))).toBe('Spine MRI — no validated model');
    expect(resultTitle(item({ status: 'rejected', code: 'NOT_MRI', label: null }))).toBe('Not an MRI image');
  });

  it('report file names carry the date and the label, ASCII only', () => {
    expect(reportFileName(item())).toBe('mri-sentinel-2026-12-04-notumor.pdf');
    expect(reportFileName(item({ status: 'rejected', code: 'NOT_MRI', label: null }), '-metadata')).toBe('mri-sentinel-2026-12-04-not-mri-metadata.pdf');
    expect(reportFileName(item({ study: { modality: 'MR', seriesDescription: null, sliceCount: 3, usableSlices: 3, spacing: null, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null } }))).toBe('mri-sentinel-2026-12-04-study-notumor.pdf');
  });

  it('history rows: no broken rows for file errors or studies', () => {
    expect(humanTime('2026-12-04T18:33:10.943Z')).toBe('4 Dec 2026, 18:33 UTC');
    expect(fileSummary(item({ stage: 'file', fileType: null, byteSize: 680, width: null, height: null }))).toBe('Unrecognised file · 680 bytes · refused at the file checks');
    expect(fileSummary(item({ fileType: 'nifti', study: { modality: null, seriesDescription: null, sliceCount: 24, usableSlices: null, spacing: null, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null } }))).toBe('NIfTI volume · 24 slices');
    expect(fileSummary(item({ fileType: 'dicom', study: { modality: 'MR', seriesDescription: 'x', sliceCount: 8, usableSlices: 7, spacing: null, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null } }))).toBe('DICOM series · MR · 8 slices (7 usable)');
    const row = historyRow(item());
    expect(row).toMatchObject({ title: 'No tumour', confidence: '87.7 %', confidenceWidth: '88%', bodyPart: 'Brain', pdfHref: `/history/${item().id}/report.pdf` });
    // a refusal at the MRI check shows the confidence in that verdict, not P(MRI)
    expect(historyRow(item({ status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, mriConfidence: 0.02, label: null })).confidence).toBe('not MRI 98.0 %');
    const detail = historyDetail(item({ study: { modality: 'MR', seriesDescription: null, sliceCount: 8, usableSlices: 8, spacing: { column: 0.8999999761581421, row: 0.9, slice: 5 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null } }));
    expect(detail.study?.spacing).toBe('column 0.9 mm, row 0.9 mm, slice 5 mm');
    // a series without slice positions stores slice: null — it read "slice 0 mm"
    const unknown = historyDetail(item({ study: { modality: 'CT', seriesDescription: null, sliceCount: 3, usableSlices: 0, spacing: { column: 0.9, row: 0.9, slice: null }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null } }));
    expect(unknown.study?.spacing).toBe('column 0.9 mm, row 0.9 mm, slice unknown');
    // read, without a description: "—"; never read (a study stored before the study columns): "not recorded", as the rule, gaps and window say
    expect(unknown.study?.series).toBe('—');
    const early = historyDetail(item({ study: { modality: null, seriesDescription: null, sliceCount: null, usableSlices: null, spacing: null, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null } }));
    expect(early.study).toMatchObject({ series: expect.stringMatching(/^not recorded \(/), spacing: expect.stringMatching(/^not recorded \(/), missingSlices: expect.stringMatching(/^not recorded \(/), window: expect.stringMatching(/^not recorded \(/) });
    expect(detail.probabilities.map((p) => p.label)).toEqual(['No tumour', 'Glioma', 'Meningioma', 'Pituitary']);
    expect(detail.title).not.toMatch(/[0-9a-f]{8}-/);
  });

  it('model cards: a share of all is "100 %", of none "0 %"; "> 99.9 %" only short of all', () => {
    expect([share(1), share(0), share(0.9996), share(0.0004), share(0.95), share(null)]).toEqual(['100 %', '0 %', '> 99.9 %', '< 0.1 %', '95.0 %', '—']);
    const loso = { folds: ['a'], rows: [{ source: 'a', truth: 'tumour-free', n: 23, answered: 1, refused_ood: 0, right_among_answered: 22 / 23 }] };
    const view = JSON.parse(JSON.stringify(modelCardView({ ...loadCard('brain_tumor'), metrics: { loso } } as unknown as ModelCard).loso).replace(/\u00a0/g, ' ')) as ModelCardView['loso'];
    expect(view?.rows[0]).toMatchObject({ source: 'a', images: '23', figure: '95.7 % (100 % answered)' });
    expect(view?.rows[0].breakdown).toContainEqual({ name: 'Refused as out-of-distribution', value: '0 %' });
    // a probability is never written as certain
    expect(percent(1)).toBe('> 99.9 %');
  });

  it('model cards: the description names the labels in the pages\' words', () => {
    const labels = ['glioma', 'meningioma', 'notumor', 'pituitary'];
    expect(describeCard('classifying brain MRI slices into glioma, meningioma, notumor, pituitary.', labels)).toBe('classifying brain MRI slices into glioma, meningioma, no tumour, pituitary.');
    // a key inside another word is left alone
    expect(describeCard('notumorish notumor', labels)).toBe('notumorish no tumour');
    expect(describeCard(null, labels)).toBeNull();
    expect(modelCardView({ ...loadCard('brain_tumor'), description: 'into glioma or notumor.' } as ModelCard).description).toBe('into glioma or no tumour.');
  });

  it('model cards: figures, sources, limits; optional fields only when present', () => {
    const card = loadCard('brain_tumor');
    const view = modelCardView(card);
    expect(view.title).toBe('Brain MRI diagnosis (brain tumour model)');
    expect(view.labels.length).toBe(card.labels.length);
    // each label carries the card's caveat, when it has one (the committed card: every label)
    expect(view.labels.map((l) => l.caveat)).toEqual(card.labels.map((l) => card.label_caveats?.[l] ?? null));
    expect(view.limits.length).toBeGreaterThanOrEqual(2);
    expect(view.loso).toBeNull();
    const loso = { folds: ['a', 'b'], rows: [
      { source: 'a', truth: 'tumour-free', n: 120, answered: 0.95, refused_ood: 0.01, right_among_answered: 0.9, label_mix_answered: { glioma: 0.1 } },
      { source: 'b', truth: 'tumour', n: 40, answered: 0.5, refused_ood: 0.2, right_among_answered: null, label_mix_answered: {} },
    ] };
    const withLoso = JSON.parse(JSON.stringify(modelCardView({ ...card, metrics: { ...card.metrics, loso }, limitations: ['Only axial T1.'] } as unknown as ModelCard)).replace(/\u00a0/g, ' ')) as ModelCardView;
    expect(withLoso.loso?.rows[0]).toMatchObject({ source: 'a', kind: 'Tumour-free images', images: '120', figure: '90.0 % (95.0 % answered)', result: 'Misses' });
    // a share not recorded reads "—" and misses its target
    expect(withLoso.loso?.rows[1]).toMatchObject({ figure: '— (50.0 % answered)', result: 'Misses' });
    expect(withLoso.loso?.summary).toMatch(/^0 of 2 held-out rows meet their targets; 2 miss/);
    expect(withLoso.limits[0]).toBe('Only axial T1.');
  });

  it('the triage card page names the gates that refuse an upload before the model runs', () => {
    const validate = compileCardValidator(path.join(REPO_ROOT, 'models', 'model_card.schema.json'));
    const triage = validate(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models/triage/model_card.json'), 'utf8'))); // the committed card
    const limits = modelCardView(triage).limits.join('\n');
    expect(limits).toMatch(/Colour images are refused before the model runs/);
    expect(limits).toMatch(/bright background are refused/);
    expect(limits).toMatch(/Head CT is refused/);
    const bare = { ...triage, thresholds: { confidence: 0.6 } } as ModelCard;
    expect(modelCardView(bare).limits.join('\n')).not.toMatch(/before the model runs/);
  });

  it('scope: diagnosed body parts from validated diagnosis cards, the rest only recognised', () => {
    const triage = loadCard('triage');
    const dx = loadCard('brain_tumor');
    const s = scopeFromCards([triage, dx]);
    expect(s.diagnosed.map((d) => [d.bodyPart, d.experimental])).toEqual([['brain', dx.experimental]]);
    expect(s.recognisedOnly).toEqual(triage.labels.filter((l) => !['brain', 'not_mri', 'other_mri'].includes(l)));
  });

  it('scope sentence for a refusal: diagnosed parts apart from the ones only recognised', () => {
    const triage = loadCard('triage');
    const dx = loadCard('brain_tumor');
    expect(scopeSentence(scopeFromCards([triage, dx]))).toBe('It diagnoses brain MRI; knee and spine MRI are only recognised (no validated diagnosis model yet).');
    expect(scopeSentence(scopeFromCards([triage]))).toBe('It recognises brain, knee and spine MRI but has no validated diagnosis model yet.');
    const knee = { ...dx, name: 'knee_tear', body_part: 'knee' } as ModelCard;
    expect(scopeSentence(scopeFromCards([triage, dx, knee]))).toBe('It diagnoses brain and knee MRI; spine MRI is only recognised (no validated diagnosis model yet).');
    expect(scopeSentence(scopeFromCards([]))).toBe('');
  });
});
