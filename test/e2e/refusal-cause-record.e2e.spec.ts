/**
 * The answer, the JavaScript page and the full PDF gave the live refusal message; the history
 * page, the no-JavaScript form's answer, the CSV export and the metadata-only PDF rebuilt a reason
 * from the stored record, which did not say which check had refused it:
 * (a) a chart refused at the colour check ("The image is in colour (… of its centre …)") read "The
 *     triage model says this is not an MRI image (> 99.9 %)" there — another cause;
 * (b) a study whose confident slices disagreed ("4 of 7 confident slices say glioma; 60.0 %
 *     agreement is required") read "a finding on some slices is not confirmed by the others" — the
 *     record could not tell the study rule's two checks apart.
 * The record now keeps the cause and its figures; every one of those says what the answer said.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { parseCsv } from '../../src/common/csv';
import type { RawImage } from '../../src/inference/preprocess';
import { STUDY_RECORDER, type StudyRecorder } from '../../src/studies/study-result';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR, tempDir } from '../support/app';
import { useApp } from '../support/use-app';
import { fakeBrainModels, studyServiceOn } from '../support/fake-brain-models';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';

const text = (html: string) =>
  // a figure is a <span> inside its sentence: no space where it was
  html.replace(/<\/?span[^>]*>/g, '').replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The fake models with the triage card's colour gate (as the real triage card has it). */
function modelsWithColourGate(): string {
  const dir = tempDir('refusal-cause-models-');
  for (const name of ['triage', 'brain_tumor']) fs.cpSync(path.join(FAKE_MODELS_DIR, name), path.join(dir, name), { recursive: true });
  const cardFile = path.join(dir, 'triage', 'model_card.json');
  const card = JSON.parse(fs.readFileSync(cardFile, 'utf8')) as { thresholds: Record<string, unknown> };
  card.thresholds.colour = { method: 'centre_chroma_share', margin: 0.1, min_chroma: 32, max_share: 0.02 };
  fs.writeFileSync(cardFile, JSON.stringify(card, null, 2));
  return dir;
}

/** A bar chart: black background (the fake triage model: confidently not MRI), saturated bars in the centre. */
function chartPng(): Promise<Buffer> {
  const side = 128;
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const bar = x >= 40 && x < 88 && y >= 50 && y < 100 && x % 16 < 10;
      if (!bar) continue;
      const i = (y * side + x) * 3;
      data.set(x % 32 < 16 ? [230, 40, 40] : [40, 60, 230], i);
    }
  }
  return sharp(Buffer.from(data), { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}

describe('a refusal keeps its cause: the history, the form answer, the CSV and the PDF give the answer\'s', () => {
  const h = useApp({ env: { MODELS_DIR: modelsWithColourGate(), INFERENCE_WORKERS: '0', RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' }, sessions: { alice: {}, admin: { role: 'admin' } } });
  const { alice, admin } = h.sessions;
  const server = () => h.server;
  const page = async (id: string) => text((await request(server()).get(`/history/${id}`).set('Cookie', alice.cookie).set('Accept', 'text/html').expect(200)).text);
  const pdf = async (id: string) => flat(pdfFlatText((await request(server()).get(`/api/v1/history/${id}/report.pdf`).set(alice.bearer).buffer(true).parse(binary).expect(200)).body as Buffer));
  const csvRow = async (id: string) => {
    // the export is an admin's
    const row = parseCsv((await request(server()).get('/api/v1/history/export.csv').set(admin.bearer).expect(200)).text).find((r) => r.id === id);
    if (!row) throw new Error(`no CSV row for ${id}`);
    return row;
  };

  it('(a) a chart refused at the colour check: every view of its record says the colour check refused it, with the share the answer gave', async () => {
    const chart = await chartPng();
    const live = (await request(server()).post('/api/v1/analyses').set(alice.bearer).attach('image', chart, 'chart.png').expect(200)).body as { code: string; message: string; analysisId: string; mriConfidence: number; refusal: unknown };
    expect(live.code).toBe('NOT_MRI');
    expect(live.message).toMatch(/^The image is in colour \([\d.]+ % of its centre is strongly coloured\)/);
    // the triage model alone said "not MRI" too: the reason the record gave before
    expect(live.mriConfidence).toBeLessThan(0.5);
    const sentence = live.message;
    // the answer names the check as its record does (the image page's MRI check line is written from it)
    expect(live.refusal).toEqual({ cause: 'colour', figures: { colourShare: expect.any(Number) } });

    const shown = { page: await page(live.analysisId), pdf: await pdf(live.analysisId), csv: await csvRow(live.analysisId) };
    expect(shown.page).toContain(sentence);
    expect(shown.pdf).toContain(sentence);
    expect(shown.csv).toMatchObject({ refusalCause: 'colour', reason: sentence });
    expect(JSON.parse(shown.csv.refusalFigures)).toEqual({ colourShare: expect.any(Number) });
    for (const s of [shown.page, shown.pdf, shown.csv.reason]) expect(s).not.toContain('The triage model says');
    // the MRI check line names the check that refused it, not the triage model's figure, which did not decide
    for (const s of [shown.page, shown.pdf]) {
      expect(s).toContain('not MRI (refused by the colour check)');
      expect(s).not.toMatch(/not MRI \((> )?\d/);
    }

    // the no-JavaScript form's answer is the record's page: the same reason
    const form = await request(server()).post('/analyse').set('Cookie', alice.cookie).set('Accept', 'text/html').field('_csrf', alice.csrfToken).attach('image', chart, 'chart.png').expect(200);
    expect(text(form.text)).toContain(sentence);
    expect(text(form.text)).not.toContain('The triage model says');
    expect(text(form.text)).toContain('not MRI (refused by the colour check)');
  });

  it('(b) a study whose confident slices disagree: its record says they disagree, with the counts and the rule, not that a finding is unconfirmed', async () => {
    // seven slices, all a brain to triage: four the brain-tumour model calls glioma, three meningioma, each confidently
    const slices = Array.from({ length: 7 }, (_, k) => syntheticSlice(128, 128, (x, y) => (k < 4 ? 200 : 100) + ((x + y + k) % 7)));
    const glioma = (image: RawImage) => image.data.reduce((a, b) => a + b, 0) / image.data.length > 128;
    const models = fakeBrainModels({ diagnosis: (image) => (glioma(image) ? [0.9, 0.05, 0.03, 0.02] : [0.05, 0.88, 0.05, 0.02]) });
    const studies = studyServiceOn(models, h.app.get<StudyRecorder>(STUDY_RECORDER));
    const live = await studies.analyze(dicomSeries(slices).map((f) => new Uint8Array(f)), { userId: alice.user.id });
    expect(live).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT' });
    const sentence = 'Unable to determine: the slices disagree (4 of 7 confident slices say glioma; 60.0 % agreement is required).';
    expect(live.message).toBe(sentence);
    const id = live.analysisId!;

    const shown = { page: await page(id), pdf: await pdf(id), csv: await csvRow(id) };
    expect(shown.page).toContain(sentence);
    expect(shown.pdf).toContain(sentence);
    expect(shown.csv).toMatchObject({ refusalCause: 'slice_disagreement', reason: sentence });
    expect(JSON.parse(shown.csv.refusalFigures)).toEqual({ agree: 4, voters: 7, finding: 'glioma', agreement: 0.6 });
    for (const s of [shown.page, shown.pdf, shown.csv.reason]) expect(s).not.toContain('not confirmed by the others');
    // the API record names the cause as well
    const record = (await request(server()).get(`/api/v1/history/${id}`).set(alice.bearer).expect(200)).body as { refusal: unknown };
    expect(record.refusal).toEqual({ cause: 'slice_disagreement', figures: { agree: 4, voters: 7, finding: 'glioma', agreement: 0.6 } });
  });
});
