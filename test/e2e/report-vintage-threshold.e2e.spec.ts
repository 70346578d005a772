/**
 * A full PDF report (POST /api/v1/reports) of a record decided under another confidence threshold
 * than today's, or of one older than the thresholds column. The re-run lends the PDF its message
 * when it decided "the same" — and the message of a refusal names the threshold it was decided
 * at: today's. The record's own threshold (Confidence threshold, Reason) stood beside it.
 */
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { THRESHOLD_NOT_RECORDED } from '../../src/presentation/history.view';
import { CHANGED_NOTICE } from '../../src/reports/reports.service';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';

describe('full report of a record decided under another threshold', () => {
  // the fake brain_tumor model: glioma at 67.1 %, below a 68 % threshold
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', CONFIDENCE_THRESHOLD: '0.68' }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  let image: Buffer;
  let id: string;

  beforeAll(async () => {
    image = await solidPng(300, 300, 255);
    id = ((await request(h.server).post('/api/v1/analyses').set(alice.bearer).attach('image', image, 'x.png').expect(200)).body as { analysisId: string }).analysisId;
    const rec = (await request(h.server).get(`/api/v1/history/${id}`).set(alice.bearer).expect(200)).body as Record<string, unknown>;
    expect(rec).toMatchObject({ status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', thresholds: { triage: 0.68, brain_tumor: 0.68 } });
  });

  const report = async () => pdfFlatText((await request(h.server).post('/api/v1/reports').set(alice.bearer).field('analysisId', id).attach('image', image, 'x.png').buffer(true).parse(binary).expect(200)).body as Buffer);
  const setStored = (json: string | null) => h.get(PrismaService).$executeRawUnsafe('UPDATE "Analysis" SET "thresholdsJson" = ? WHERE "id" = ?', json, id);
  // the refusal's own figures are written with the thresholds: its reason is worded from them (refusal-message.ts)
  const setRefusalThreshold = (t: number) => h.get(PrismaService).$executeRawUnsafe('UPDATE "Analysis" SET "refusalFiguresJson" = json_set("refusalFiguresJson", \'$.threshold\', ?) WHERE "id" = ?', t, id);
  // a row older than the thresholds column is older than the refusal's too
  const clearRefusal = () => h.get(PrismaService).$executeRawUnsafe('UPDATE "Analysis" SET "refusalCause" = NULL, "refusalFiguresJson" = NULL WHERE "id" = ?', id);

  it('the same threshold: the re-run\'s message, no notice', async () => {
    const text = await report();
    expect(text).toContain('Message: Unable to determine: the most likely finding');
    expect(text).not.toContain(CHANGED_NOTICE);
  });

  it('recorded at 70 %, reported at 68 %: no message naming 68 %, the notice instead', async () => {
    await setStored(JSON.stringify({ triage: 0.7, brain_tumor: 0.7 }));
    await setRefusalThreshold(0.7);
    const text = await report();
    expect(text).toContain('Confidence threshold: 70.0 %');
    expect(text).not.toContain('68.0');
    expect(text).toContain(CHANGED_NOTICE);
  });

  it('recorded before thresholds were stored: its threshold is not known, so no message naming today\'s; the record\'s reason instead', async () => {
    await setStored(null);
    await clearRefusal();
    const text = await report();
    expect(text).toContain(`Confidence threshold: ${THRESHOLD_NOT_RECORDED}`);
    expect(text).not.toContain('68.0');
    expect(text).not.toContain('Message:');
    expect(text).toContain('Reason: The most likely finding (glioma, 67.1 %) is below the confidence threshold.');
    // the same models decided the same figures: nothing changed that the notice could name
    expect(text).not.toContain(CHANGED_NOTICE);
  });
});
