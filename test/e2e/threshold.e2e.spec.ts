/**
 * CONFIDENCE_THRESHOLD decides every answer, so every place that shows the threshold shows it:
 * the page's threshold mark and explanation (data-models), the model-card page and both PDFs.
 * They showed the card's 60 % while the answers were decided at the override.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { createAnalysisContext, evaluateOne } from '../../src/cli/analysis-context';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR, tempDir, testConfig } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';

describe('CONFIDENCE_THRESHOLD=0.4 is the threshold shown everywhere', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, CONFIDENCE_THRESHOLD: '0.4', INFERENCE_WORKERS: '0' }, sessions: { user: {} } });
  const { user } = h.sessions;
  let image: Buffer;
  let analysisId: string;
  let answer: Record<string, unknown>;

  beforeAll(async () => {
    // light grey: the fake brain model's glioma at ~50 %, an answer at 40 %, "Unable to determine" at the card's 60 %
    image = await solidPng(256, 256, 250);
    const r = (await request(h.server).post('/api/v1/analyses').set(user.bearer).attach('image', image, 'grey.png').expect(200)).body;
    expect(r).toMatchObject({ status: 'completed', label: 'glioma' });
    expect(r.confidence).toBeGreaterThan(0.4);
    expect(r.confidence).toBeLessThan(0.6);
    analysisId = r.analysisId as string;
    answer = r;
  });

  it('the page hands its script the threshold that decided (the mark and the sentence beside the confidence)', async () => {
    const html = (await request(h.server).get('/').set(user.headers).expect(200)).text;
    const attr = /data-models="([^"]*)"/.exec(html)?.[1] ?? '';
    const models = JSON.parse(attr.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Record<string, { threshold: number }>;
    expect(models.brain_tumor.threshold).toBe(0.4);
    expect(models.triage.threshold).toBe(0.4);
  });

  it("the model-card page states it, and that the card's figures are at the card's threshold", async () => {
    const html = (await request(h.server).get('/models/brain_tumor').set(user.headers).expect(200)).text;
    expect(html).toContain('<strong>40.0 %</strong>');
    // as read: the figures are wrapped in no-wrap spans (a phone must not break "40.0" from its "%")
    expect(html.replace(/<[^>]*>/g, '')).toContain("Answers here at 40.0 % (CONFIDENCE_THRESHOLD), not at the card&#x27;s 60.0 %");
  });

  it('both PDFs state it', async () => {
    const full = await request(h.server).post('/api/v1/reports').set(user.bearer).field('analysisId', analysisId).attach('image', image, 'grey.png').buffer(true).parse(binary).expect(200);
    const meta = await request(h.server).get(`/api/v1/history/${analysisId}/report.pdf`).set(user.bearer).buffer(true).parse(binary).expect(200);
    for (const pdf of [full.body as Buffer, meta.body as Buffer]) {
      const text = pdfFlatText(pdf);
      // the threshold recorded with the analysis, which was decided at the override
      expect(text).toContain('Confidence threshold: 40.0 %');
      expect(text).toContain('Decided at the 40.0 % confidence threshold.');
      expect(text).not.toContain('60.0 %');
    }
  });

  it('the API answer names the threshold it was decided at, as its record does', async () => {
    // the image answer had no `thresholds`: only the record (and a study's answer) said which threshold decided
    const record = (await request(h.server).get(`/api/v1/history/${analysisId}`).set(user.bearer).expect(200)).body;
    expect(record.thresholds).toEqual({ triage: 0.4, brain_tumor: 0.4 });
    expect(answer.thresholds).toEqual(record.thresholds);
    // a refusal before any diagnosis model ran: the triage model's alone
    const dark = (await request(h.server).post('/api/v1/analyses').set(user.bearer).attach('image', await solidPng(256, 256, 10), 'dark.png').expect(200)).body;
    expect(dark.status).toBe('rejected');
    expect(dark.thresholds).toEqual({ triage: 0.4 });
  });

  it('`npm run evaluate` writes the same threshold in each line (the CLI reads CONFIDENCE_THRESHOLD too)', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'grey.png'), image);
    const { ctx, service } = await createAnalysisContext(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, CONFIDENCE_THRESHOLD: '0.4', INFERENCE_WORKERS: '0' }));
    try {
      const line = await evaluateOne(service, dir, 'grey.png');
      expect(line).toMatchObject({ status: 'completed', label: 'glioma', confidence: answer.confidence, probabilities: answer.probabilities });
      expect(line.thresholds).toEqual({ triage: 0.4, brain_tumor: 0.4 });
    } finally {
      await ctx.close();
    }
  });
});
