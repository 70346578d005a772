import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { AuthUser } from '../accounts/roles';
import { AnalysisService } from '../classifier/analysis.service';
import { recordedDecision } from '../classifier/analysis-result';
import { BadRequestError, NotFoundError, StudyHasOwnReportError } from '../common/errors';
import { AppConfig } from '../config/config.service';
import { HistoryItem, HistoryService } from '../history/history.service';
import { withoutRecording } from '../history/recording-context';
import { ImageDecodeService } from '../inference/image-decode.service';
import type { ModelCard } from '../inference/model-card';
import { MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { loadedLabels, type LoadedLabels } from '../presentation/label-names';
import { modelCardView, ModelCardView } from '../presentation/model-card.view';
import { buildReportPdf } from './report-pdf';
import { ReportFonts } from './report-fonts';
import { sameDecision, sameThresholds } from './same-decision';

const dataUrlBytes = (u: string) => Buffer.from(u.slice(u.indexOf(',') + 1), 'base64');

/** In a full report whose re-run no longer decides what the record says. */
export const CHANGED_NOTICE =
  'The models or the confidence threshold changed since this analysis: this report shows the recorded result, without a heat map. Analyse the image again for a report of the current models.';

/**
 * PDF reports. Full report: the page re-sends the image it still holds, the image must match a
 * record in the caller's history (sha256), the analysis is re-run in memory (not recorded
 * again) and the PDF carries image, heat map and everything else. Metadata report: from a
 * history record alone, marked as containing no image.
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly analysis: AnalysisService,
    private readonly history: HistoryService,
    private readonly config: AppConfig,
    @Inject(MODEL_PROVIDER) private readonly models: ModelProvider,
    private readonly images: ImageDecodeService,
    private readonly fonts: ReportFonts,
  ) {}

  /**
   * The origin the PDF's links start with: PUBLIC_BASE_URL, else the request's own protocol and
   * Host (checked to be a plain host[:port]; anything else gives no link, only the path).
   */
  baseUrl(from: { protocol: string; host: string | undefined }): string | undefined {
    if (this.config.publicBaseUrl) return this.config.publicBaseUrl;
    const { protocol, host } = from;
    if ((protocol === 'http' || protocol === 'https') && host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return `${protocol}://${host}`;
    return undefined;
  }

  /**
   * `signal`: the client went away (clientGone). The re-run and the figure — whose large image
   * may be waiting for the pixel budget — stop with it instead of making a PDF for nobody.
   */
  async fullReport(user: AuthUser, bytes: Buffer, analysisId?: string, baseUrl?: string, signal?: AbortSignal): Promise<{ pdf: Buffer; record: HistoryItem }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const rec = analysisId ? await this.history.get(user, analysisId) : await this.history.latestOwnBySha(user.id, sha256);
    if (!rec) throw new NotFoundError('This image is not in your history: analyse it first, then download its report.');
    // before the bytes are compared or re-run: the image checks would blame the file (415)
    if (rec.study) throw new StudyHasOwnReportError(rec.id);
    if (rec.sha256 !== sha256) throw new BadRequestError('The image does not match that analysis (sha256 differs).');

    const outcome = await withoutRecording(() => this.analysis.analyzeDetailed(bytes, { explain: true, signal }, { userId: user.id }));
    if (outcome.record.sha256 !== rec.sha256) throw new BadRequestError('The image does not match that analysis (sha256 differs).');
    const r = outcome.result;
    // The PDF names the stored analysis (its id, its time), so it shows that record's decision,
    // figures and timings — never the re-run's, which differ after a model upgrade or a threshold
    // change (and always in their timings). The re-run lends the heat map and the message only
    // when it decided the same; otherwise they would explain another answer.
    const record = rec;
    // The thresholds too: a refusal's message names the one the re-run decided at. A record older
    // than the thresholds column (null) that decided the same keeps the heat map (same models, same
    // figures) but not the message: its Reason is the record's, which names no threshold it lacks.
    const decided = sameDecision(rec, recordedDecision(r));
    const same = decided && sameThresholds(rec, outcome.record.thresholds);
    const unknownThreshold = decided && rec.thresholds === null;
    const image = await this.imagePng(bytes, signal);
    const lent = (same || unknownThreshold) && r.explanation ? r.explanation : null;
    // no region stands out: the map would be the image alone under "Heat map for …"; the PDF says so instead
    const heatmap = lent?.focus === 'region' ? dataUrlBytes(lent.heatmap) : undefined;
    const noFocus = lent?.focus === 'none';
    const notice = same || unknownThreshold ? undefined : CHANGED_NOTICE;
    const pdf = await buildReportPdf({ record, message: same ? r.message : undefined, notice, image, heatmap, noFocus, cards: this.cards(record), generatedFor: user.email, baseUrl, fonts: this.fonts.faces(), loadedLabels: this.labels() });
    return { pdf, record };
  }

  /** The record a metadata report names (NotFoundError as for the report): what HEAD needs. */
  async record(user: AuthUser, id: string): Promise<HistoryItem> {
    return this.history.get(user, id);
  }

  async metadataReport(user: AuthUser, id: string, baseUrl?: string): Promise<{ pdf: Buffer; record: HistoryItem }> {
    const record = await this.history.get(user, id);
    const pdf = await buildReportPdf({ record, cards: this.cards(record), generatedFor: user.email, baseUrl, fonts: this.fonts.faces(), loadedLabels: this.labels() });
    return { pdf, record };
  }

  /** The upload as an 8-bit PNG figure (EXIF-rotated, ≤ 1024 px a side), off the event loop (ImageDecodeService.figure). */
  private async imagePng(bytes: Buffer, signal?: AbortSignal): Promise<Buffer> {
    return this.images.figure(bytes, this.config.maxInputPixels, signal);
  }

  /** The loaded models' labels (null while they load): an earlier model's label is named so, as in the history. */
  private labels(): LoadedLabels {
    return loadedLabels(this.models.isReady() ? this.models.cards() : null);
  }

  /** Card metrics of the models in the record, when the loaded card has the recorded version. */
  private cards(record: HistoryItem): ModelCardView[] {
    if (!this.models.isReady()) return [];
    const found: ModelCard[] = [];
    try {
      found.push(this.models.triageCard());
    } catch {
      return [];
    }
    if (record.anatomy) {
      const dx = this.models.diagnosisCardFor(record.anatomy);
      if (dx) found.push(dx);
    }
    return found
      .filter((c) => record.modelVersions?.[c.name] === c.version)
      // the card's figures only: the threshold the PDF shows is the record's (report-pdf.ts), never today's CONFIDENCE_THRESHOLD
      .map((c) => modelCardView(c));
  }
}
