import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HistoryItem } from '../../src/history/history.service';
import type { ModelCard } from '../../src/inference/model-card';
import { REPO_ROOT } from './app';

/** A committed model's card, as the PDF report receives it. */
export const committedCard = (name: string): ModelCard =>
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models', name, 'model_card.json'), 'utf8')) as ModelCard;

/** A glioma diagnosis answered by the committed triage and brain_tumor models: the record the report specs draw. */
export function gliomaRecord(triage: ModelCard, dx: ModelCard): HistoryItem {
  return {
    id: '3f2b6f1e-0000-4000-8000-000000000001', createdAt: '2026-12-04T18:33:00.000Z', userId: 'u1', userEmail: 'u@example.org',
    fileType: 'png', byteSize: 1234, width: 256, height: 256, sha256: 'a'.repeat(64),
    status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.98, isMri: true, mriConfidence: 0.999,
    task: 'brain_tumor', label: 'glioma', confidence: 0.81,
    probabilities: Object.fromEntries(dx.labels.map((l, i) => [l, i === 0 ? 0.81 : 0.19 / (dx.labels.length - 1)])),
    modelVersions: { triage: triage.version, brain_tumor: dx.version }, timingsMs: { total: 120 }, thresholds: { triage: 0.6, brain_tumor: 0.6 }, study: null, refusal: null,
  };
}
