/**
 * scripts/seed-history.mjs wrote "other MRI" rows as NO_VALIDATED_MODEL at the body-part stage, which
 * the pipeline never gives (other_mri is refused as UNSUPPORTED_BODY_PART; NO_VALIDATED_MODEL comes at
 * the diagnosis stage, for a body part triage accepted), so seeded histories read "Other MRI MRI — no
 * validated model". Every (status, stage, code, body part) it seeds, for images and studies, must be
 * one that the pipeline's own decision functions give: triage-decision.ts and diagnosis-decision.ts
 * over many probability vectors, with analysis.service.ts's routing (triage refusals `rejected`, a part
 * without a model NO_VALIDATED_MODEL at the diagnosis stage); study-aggregate.ts over mixtures of those
 * slices, and header-refusal.ts; file-check refusals with the codes their errors declare.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisResult } from '../../src/classifier/analysis-result';
import { decideDiagnosis } from '../../src/diagnosis/diagnosis-decision';
import { aggregateStudy, DiagnosisCardInfo } from '../../src/studies/study-aggregate';
import { headerRefusal } from '../../src/studies/header-refusal';
import { decideTriage } from '../../src/validation/triage-decision';
import { REPO_ROOT } from '../support/app';
import { logitsFor, makeCard, TRIAGE_LABELS } from '../support/cards';

interface Seeded { records: string[]; studies: string[]; models: Record<string, string>; triageThreshold: number }

const key = (r: { status: string; stage: string; code: string | null; anatomy: string | null }) => `${r.status}/${r.stage}/${r.code ?? '-'}/${r.anatomy ?? '-'}`;

/** The seed's combinations over 20 000 records (its module is ESM and pure: read in a child node). */
function seeded(): Seeded {
  const script = `
    import { seeder, DIAGNOSIS_MODELS, TRIAGE_THRESHOLD } from './scripts/seed-records.mjs';
    const s = seeder();
    const key = (r) => [r.status, r.stage, r.code ?? '-', r.anatomy ?? '-'].join('/');
    const records = new Set(), studies = new Set();
    for (let i = 0; i < 20000; i++) { const r = s.record('u'); records.add(key(r)); studies.add(key(s.study(r)[0])); }
    console.log(JSON.stringify({ records: [...records], studies: [...studies], models: DIAGNOSIS_MODELS, triageThreshold: TRIAGE_THRESHOLD }));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as Seeded;
}

/** Codes a file check declares (`readonly code = '…'`) in a source file. */
function declaredCodes(file: string): string[] {
  return [...fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').matchAll(/readonly code = '([A-Z_]+)'/g)].map((m) => m[1]);
}

let state = 7;
const rnd = () => ((state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
/** probability vectors from flat to peaked, so every branch of a decision is reached */
function vectors(n: number, count: number): number[][] {
  return Array.from({ length: count }, () => {
    const sharp = 1 + rnd() * 12;
    const w = Array.from({ length: n }, () => rnd() ** sharp);
    const sum = w.reduce((a, b) => a + b, 0) || 1;
    return w.map((x) => x / sum);
  });
}

describe('seed-history.mjs seeds only outcomes the pipeline gives', () => {
  const seed = seeded();
  const triage = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS, thresholds: { confidence: seed.triageThreshold } });
  // with an OOD gate, so that diagnoses withheld as unlike the training data occur (a study of them is INSUFFICIENT_SLICES)
  const ood = { method: 'mahalanobis_pca' as const, threshold: 1, center: [0, 0], components: [[1, 0], [0, 1]], class_means: [[0, 0]] };
  const brain = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: ['glioma', 'meningioma', 'notumor', 'pituitary'], thresholds: { confidence: 0.6, ood } });
  const cards: Record<string, typeof brain> = Object.fromEntries(Object.entries(seed.models).map(([part, name]) => [part, { ...brain, name, body_part: part }]));

  // single images, as analysis.service.ts routes the decisions
  const slices: AnalysisResult[] = [];
  for (const p of vectors(TRIAGE_LABELS.length, 4000)) {
    const t = decideTriage(triage, logitsFor(p), [0, 0]);
    const common = { isMri: t.isMri, mriConfidence: t.mriConfidence, anatomy: t.anatomy, anatomyConfidence: t.anatomyConfidence, message: '' };
    if (!t.outcome.accepted) {
      slices.push({ ...common, status: 'rejected', stage: t.outcome.stage, code: t.outcome.code, task: 'triage', label: null, confidence: null, probabilities: t.probabilities } as unknown as AnalysisResult);
      continue;
    }
    const card = cards[t.outcome.bodyPart];
    if (!card) {
      slices.push({ ...common, status: 'inconclusive', stage: 'diagnosis', code: 'NO_VALIDATED_MODEL', task: 'triage', label: null, confidence: null, probabilities: t.probabilities } as unknown as AnalysisResult);
      continue;
    }
    const d = decideDiagnosis(card, logitsFor(vectors(card.labels.length, 1)[0]), [rnd() * 1.6, rnd() * 0.4]);
    slices.push({ ...common, status: d.status, stage: 'diagnosis', code: d.code, task: card.name, label: d.label, confidence: d.confidence, probabilities: d.probabilities } as unknown as AnalysisResult);
  }
  const imageFileCodes = new Set(declaredCodes('src/common/errors.ts'));
  const images = new Set(slices.map(key));

  // studies: study-aggregate.ts over mixtures of those slices; the header's refusals; the study file checks
  const studies = new Set<string>();
  const cardFor = (part: string): DiagnosisCardInfo | undefined => (cards[part] ? { name: cards[part].name, labels: cards[part].labels, threshold: 0.6, describe: (l: string) => l } : undefined);
  const pools = [slices, slices.filter((s) => s.stage === 'diagnosis'), slices.filter((s) => s.status !== 'completed'), slices.filter((s) => s.anatomy === 'brain')];
  for (let i = 0; i < 6000; i++) {
    const pool = pools[i % pools.length];
    const first = pool[Math.floor(rnd() * pool.length)];
    // a series mostly of one kind of slice, some of others
    const study = Array.from({ length: 3 + Math.floor(rnd() * 10) }, () => (rnd() < 0.7 ? first : pool[Math.floor(rnd() * pool.length)]));
    studies.add(key(aggregateStudy({ slices: study, minUsable: 3, agreement: 0.6, cardFor })));
  }
  for (const kind of ['not_mri', 'unsupported_part'] as const) {
    studies.add(key(headerRefusal({ kind, bodyPart: 'KNEE', meta: { modality: 'CT' } } as unknown as Parameters<typeof headerRefusal>[0], [triage, brain])));
  }
  const studyFileCodes = new Set(declaredCodes('src/studies/study-errors.ts'));

  const allowed = (set: Set<string>, fileCodes: Set<string>) => (k: string) => {
    const [status, stage, code, anatomy] = k.split('/');
    return stage === 'file' ? status === 'rejected' && anatomy === '-' && fileCodes.has(code) : set.has(k);
  };

  it('the pipeline side reaches every kind of outcome (so the check means something)', () => {
    expect(images).toContain('rejected/anatomy/UNSUPPORTED_BODY_PART/other_mri');
    expect(images).toContain('inconclusive/diagnosis/NO_VALIDATED_MODEL/knee');
    expect(images).toContain('completed/diagnosis/-/brain');
    expect(images).not.toContain('inconclusive/anatomy/NO_VALIDATED_MODEL/other_mri');
    expect([...images].filter((k) => k.includes('NO_VALIDATED_MODEL/other_mri'))).toEqual([]);
    expect(studies).toContain('inconclusive/anatomy/SLICE_DISAGREEMENT/-');
    expect(studies).toContain('inconclusive/diagnosis/LOW_CONFIDENCE/brain');
    expect(studies).toContain('inconclusive/diagnosis/INSUFFICIENT_SLICES/brain');
  });

  it('each seeded image record', () => {
    expect(seed.records.filter((k) => !allowed(images, imageFileCodes)(k))).toEqual([]);
  });

  it('each seeded study record', () => {
    expect(seed.studies.filter((k) => !allowed(studies, studyFileCodes)(k))).toEqual([]);
  });
});
