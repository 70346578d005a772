/**
 * A full PDF report re-runs the analysis and makes the upload's figure; a large figure waits for
 * the pixel budget. The report request had no cancel signal: a client that left still had its
 * figure made (and its PDF built) once the budget came free. Its signal now reaches both.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { AuthUser } from '../../src/accounts/roles';
import type { AnalysisOutcome, AnalysisService } from '../../src/classifier/analysis.service';
import { BadRequestError } from '../../src/common/errors';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import type { HistoryItem, HistoryService } from '../../src/history/history.service';
import { ImageDecodeService, LARGE_IMAGE_PIXELS } from '../../src/inference/image-decode.service';
import type { ModelProvider } from '../../src/inference/model-provider';
import { PreparePool } from '../../src/inference/prepare-pool';
import { ReportFonts } from '../../src/reports/report-fonts';
import { ReportsService } from '../../src/reports/reports.service';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a full report whose client left', () => {
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2', INFERENCE_PIXEL_BUDGET: String(2 * LARGE_IMAGE_PIXELS) }));
  const pool = new PreparePool(config);
  const images = new ImageDecodeService(config, pool);
  afterAll(() => pool.onModuleDestroy());

  it('stops while its figure waits for the pixel budget: no figure, no PDF, the budget as it was', async () => {
    const raw = new Uint16Array(1200 * 1000).map((_, i) => (i * 7919) % 1021);
    const png = await sharp(raw, { raw: { width: 1200, height: 1000, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 1 }).toBuffer();
    const sha256 = createHash('sha256').update(png).digest('hex');
    const decision = { status: 'rejected', stage: 'modality', code: 'NOT_MRI', anatomy: null, anatomyConfidence: null, isMri: false, mriConfidence: 0.9, task: 'triage', label: null, confidence: 0.9, probabilities: {}, modelVersions: {}, timingsMs: {} };
    const rec = { id: 'a1', createdAt: new Date(0).toISOString(), userId: 'u1', userEmail: 'u@example.org', fileType: 'png', byteSize: png.length, width: 1200, height: 1000, sha256, study: null, thresholds: {}, ...decision } as HistoryItem;
    const signals: (AbortSignal | undefined)[] = [];
    const analysis = {
      analyzeDetailed: async (_b: Buffer, options?: { signal?: AbortSignal }) => {
        signals.push(options?.signal);
        return { result: { ...decision, message: 'not an MRI', explanation: null }, record: { sha256, thresholds: {} } } as unknown as AnalysisOutcome;
      },
    } as unknown as AnalysisService;
    const history = { get: async () => rec, latestOwnBySha: async () => rec } as unknown as HistoryService;
    const models = { isReady: () => false } as unknown as ModelProvider;
    const reports = new ReportsService(analysis, history, config, models, images, ReportFonts.load());
    const figures = jest.spyOn(pool, 'figure');
    const user: AuthUser = { id: 'u1', email: 'u@example.org', role: 'user', mustChangePassword: false };

    const blocker = await images.budget.acquire(2 * LARGE_IMAGE_PIXELS); // another large image holds all of it
    const ac = new AbortController();
    const report = reports.fullReport(user, png, undefined, undefined, ac.signal).then(
      () => 'a PDF was made',
      (e: unknown) => e,
    );
    for (let i = 0; i < 1000 && images.budget.queued === 0; i++) await turn();
    expect(images.budget.queued).toBe(1); // the figure waits for the budget
    const gone = new BadRequestError('The client closed the connection.');
    ac.abort(gone);
    blocker(); // the budget comes free: a figure still queued would be made now
    expect(await report).toBe(gone);
    expect(signals).toEqual([ac.signal]); // the re-run analysis got it too
    expect(figures).not.toHaveBeenCalled();
    expect([images.budget.inUse, images.budget.queued]).toEqual([0, 0]);
    figures.mockRestore();
  });
});
