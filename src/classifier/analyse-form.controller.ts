import { Body, Controller, Get, Inject, Optional, Post, Query, Redirect, Req, Res, UploadedFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AnalysisRoute } from '../accounts/decorators';
import { FORM_IMAGE_FIELD, FormImageUpload } from '../accounts/form-upload';
import { CurrentUser } from '../accounts/request-user';
import type { AuthUser } from '../accounts/roles';
import { clientGone } from '../common/abort';
import { DatabaseUnavailableError, DomainError } from '../common/errors';
import { closedFields, ZodDto } from '../common/zod-dto';
import { heatmapCaption } from '../explainability/heatmap-text';
import { historyDetailLocals } from '../history/history-detail.page';
import { HistoryService } from '../history/history.service';
import { AppConfig } from '../config/config.service';
import { IdempotencyKeyInUseError, REPLAYED_HEADER } from '../idempotency/idempotency-key';
import { IdempotencyService, KeyOfRequest } from '../idempotency/idempotency.service';
import { MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { labelName, loadedLabels } from '../presentation/label-names';
import { optionalFlag } from './analyses.dto';
import { AnalysisService } from './analysis.service';
import { requestContext } from './request-context';

/**
 * The form's fields. `explain`: an HTML checkbox sends its value only when ticked, so an absent
 * field means "no heat map" here (the API's default is true; the page's script sends it always).
 */
export class AnalyseFormFieldsDto extends ZodDto(
  closedFields(
    { _csrf: z.string().optional(), _submission: z.string().uuid().optional(), explain: optionalFlag },
    FORM_IMAGE_FIELD,
    'the file `image`, `_csrf`, `_submission` and `explain`',
  ),
) {}

/**
 * The form's query string: none. Its fields come in the body; `POST /analyse?threshold=0.99` was
 * answered at the server's threshold as if the field had been read (the API refuses it, closedFields).
 */
export class AnalyseFormQueryDto extends ZodDto(z.strictObject({})) {}

/**
 * The form's re-post guard, as an Idempotency-Key (src/idempotency) of this user: the page's one-time
 * `_submission` field with the request's fingerprint (the image's sha256 and the tick box, hashed once
 * there for the key and its claim), so that Back or reload re-sending the same form
 * is answered from its first record, while another image sent from the same page (Back, another file)
 * is a new analysis. A page opened anew has a new field: the same image analysed again is a new record.
 * Without the field (a page from before it, a script) nothing is keyed, as before.
 */
function formKey(submission: string | undefined): KeyOfRequest | undefined {
  if (!submission) return undefined;
  return (fingerprint) => `analyse-form ${submission} ${fingerprint}`;
}

/** The form was sent with no image chosen: said for a person at a form, not for an API client. */
class NoImageChosenError extends DomainError {
  readonly code = 'MISSING_FILE';
  readonly statusCode = 400;
  constructor() {
    super('No image was sent: choose a JPEG or PNG file, then press Analyse.');
  }
}

/**
 * The form's key is still reserved by its first post (Analyse pressed twice, a reload before the answer
 * came): the 409 of IdempotencyKeyInUseError in the words of a person at the form, who sent no
 * Idempotency-Key header. Reloading re-posts it: the first post's answer, or a fresh one if it was dropped.
 */
class FormAlreadySentError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_IN_USE';
  readonly statusCode = 409;
  constructor(override readonly retryAfterSeconds: number) {
    super(`This form is already being analysed (it was sent twice): wait ${retryAfterSeconds} s, then reload this page to see its answer.`);
  }
}

/**
 * The analysis page's form without JavaScript (locked-down browsers, text browsers): the same
 * pipeline, limits, rate limits and upload ledger as POST /api/v1/analyses, answered with a page.
 *
 * The answer is rendered in this POST's response, not redirected to /history/:id: the heat map is
 * drawn from the image, which is never stored, so a redirect would lose it; here it is inlined as
 * a data URL and forgotten with the response. The page is the record's own page (same words,
 * PDF link) and links to the record, which stays without the heat map. Refusals (not an MRI, an
 * unsupported body part, low confidence) are answers, 200 as in the API; a file that cannot be
 * analysed, a refused token or a limit is the error page with its status.
 */
@ApiExcludeController()
@Controller('analyse')
export class AnalyseFormController {
  constructor(
    private readonly analysis: AnalysisService,
    private readonly history: HistoryService,
    private readonly idempotency: IdempotencyService,
    private readonly config: AppConfig,
    @Optional() @Inject(MODEL_PROVIDER) private readonly models?: ModelProvider,
  ) {}

  /** The address bar after a post (reload, Enter): back to the form, not a 405 page. */
  @Get()
  @Redirect('/', 303)
  back(): void {}

  @Post()
  @AnalysisRoute()
  @FormImageUpload()
  async analyse(
    @CurrentUser() user: AuthUser,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() body: AnalyseFormFieldsDto,
    @Query() _query: AnalyseFormQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!file) throw new NoImageChosenError();
    const explain = body.explain ?? false;
    const route = { route: 'POST /analyse', params: { explain }, files: [file.buffer], timeoutMs: this.config.analysisTimeoutMs };
    const result = await this.idempotency
      .answer(req, res, route, () => this.analysis.analyze(file.buffer, { explain, signal: clientGone(req) }, requestContext(req)), formKey(body._submission))
      .catch((err: unknown) => {
        throw err instanceof IdempotencyKeyInUseError ? new FormAlreadySentError(err.retryAfterSeconds) : err;
      });
    // Back or reload re-sent this page's form: the same analysis again (its heat map drawn anew), no second record
    const replayed = res.getHeader(REPLAYED_HEADER) === 'true';
    // the app always records (HistoryModule); without a record there is no page to show
    if (!result.analysisId) throw new DatabaseUnavailableError();
    const item = await this.history.get(user, result.analysisId);
    const cards = this.models?.isReady() ? this.models.cards() : null;
    const locals = historyDetailLocals(item, user, cards ?? [], loadedLabels(cards));
    res.status(200).render('history-detail', {
      ...locals,
      title: `${locals.view.title} · Analyse an MRI image`,
      fresh: !replayed,
      replayed,
      // no region stands out: the image alone would read as a map under the caption; the page says so instead
      heatmap: result.explanation?.focus === 'region' ? result.explanation.heatmap : null,
      noFocus: result.explanation?.focus === 'none',
      // the class the map is for: the answer's (a map comes with an answer only)
      heatmapCaption: heatmapCaption(result.label ? labelName(result.label, loadedLabels(cards)) : null),
    });
  }
}
