import { Body, Controller, Get, HttpCode, Inject, Post, Query, Render, Req, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiExcludeEndpoint,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AnalysisRoute } from '../accounts/decorators';
import { ApiAuthenticated, ApiBodyTooLarge, ApiCsrfChecked, BODY_TOO_LARGE, DATABASE_UNAVAILABLE } from '../common/api-responses';
import { requestContext } from '../classifier/request-context';
import { ErrorBodyDto } from '../classifier/analysis-result.dto';
import { clientGone } from '../common/abort';
import { MissingFileError } from '../common/errors';
import { humanBytes } from '../presentation/labels';
import { indexScope } from '../classifier/page-view-models';
import { AppConfig } from '../config/config.service';
import { MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { holdUploadUntil } from './memory-study-storage';
import { AGGREGATION_RULE } from './study-aggregate';
import { archiveAlsoOverLimit, otherArchiveRefused } from './study-errors';
import { StudyResult } from './study-result';
import { StudyResultDto } from './study-result.dto';
import { StudyService } from './study.service';
import { FILES_FIELD, StudyFieldsDto } from './studies.dto';
import { UploadFieldWords } from '../common/upload-field.interceptor';
import { KEY_HEADER_DOC, KEY_IN_USE_DOC, KEY_IN_USE_HEADERS, REPLAYED_HEADER_DOC } from '../idempotency/idempotency-key';
import { IdempotencyService } from '../idempotency/idempotency.service';

export { FILES_FIELD };

@ApiTags('studies')
@ApiBodyTooLarge()
@Controller()
export class StudiesController {
  constructor(
    private readonly studies: StudyService,
    private readonly config: AppConfig,
    @Inject(MODEL_PROVIDER) private readonly models: ModelProvider,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post('api/v1/studies')
  @HttpCode(200)
  @AnalysisRoute()
  @UseInterceptors(UploadFieldWords(FILES_FIELD, null, (c) => c.studyMaxBytes), FilesInterceptor(FILES_FIELD))
  @ApiOperation({
    summary: 'Analyse a whole study: a DICOM series or a NIfTI volume',
    description:
      'One or more DICOM files of one series, a ZIP of a series, or one NIfTI volume (.nii, .nii.gz). ' +
      'Refused before any model when Modality is not MR (200, NOT_MRI). Every slice goes through the single-image pipeline, ' +
      'then the study answer: ' +
      AGGREGATION_RULE +
      ' The response has the fields of a single analysis plus `study` (metadata, never patient identifiers) and `slices`.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiHeader(KEY_HEADER_DOC)
  @ApiBody({
    schema: {
      type: 'object',
      required: [FILES_FIELD],
      properties: {
        [FILES_FIELD]: { type: 'array', items: { type: 'string', format: 'binary' }, description: 'DICOM files, a ZIP, or a NIfTI file' },
      },
    },
  })
  @ApiOkResponse({ type: StudyResultDto, description: 'The study result (completed, inconclusive or rejected)', headers: REPLAYED_HEADER_DOC })
  @ApiResponse({ status: 400, type: ErrorBodyDto, description: 'MISSING_FILE, EMPTY_FILE (a 0-byte file, named), BAD_REQUEST (a field the schema refuses) or INVALID_IDEMPOTENCY_KEY', headers: REPLAYED_HEADER_DOC })
  @ApiResponse({ status: 409, type: ErrorBodyDto, description: KEY_IN_USE_DOC, headers: KEY_IN_USE_HEADERS })
  @ApiCsrfChecked()
  @ApiAuthenticated({ rateLimits: 'the analyses-per-user limit' })
  @ApiPayloadTooLargeResponse({ type: ErrorBodyDto, description: `FILE_TOO_LARGE (study bytes), TOO_MANY_SLICES or TOO_MANY_FILES, or ${BODY_TOO_LARGE}`, headers: REPLAYED_HEADER_DOC })
  @ApiUnsupportedMediaTypeResponse({ type: ErrorBodyDto, description: 'UNSUPPORTED_TYPE or UNSUPPORTED_TRANSFER_SYNTAX', headers: REPLAYED_HEADER_DOC })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'MIXED_SERIES, CORRUPT_IMAGE, RESOLUTION_OUT_OF_RANGE or PIXEL_SPACING_OUT_OF_RANGE (in-plane pixel aspect beyond 8:1), or IDEMPOTENCY_KEY_REUSED (the key was sent with another request)', headers: REPLAYED_HEADER_DOC })
  @ApiResponse({ status: 503, type: ErrorBodyDto, description: `ANALYSIS_UNAVAILABLE, or ${DATABASE_UNAVAILABLE}` })
  @ApiResponse({ status: 504, type: ErrorBodyDto, description: 'ANALYSIS_TIMEOUT' })
  async create(
    @UploadedFiles() files: Express.Multer.File[] | undefined,
    // parsed only to refuse what the endpoint does not take (a 400, never silently dropped)
    @Body() _fields: StudyFieldsDto,
    @Query() _query: StudyFieldsDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StudyResult> {
    if (!files?.length) throw new MissingFileError(FILES_FIELD);
    const bytes = files.map((f) => new Uint8Array(f.buffer.buffer, f.buffer.byteOffset, f.buffer.length));
    const route = { route: 'POST /api/v1/studies', params: {}, files: bytes, timeoutMs: this.config.studyTimeoutMs };
    // the study stops when the client leaves (or at its timeout); the upload's bytes stay
    // counted in flight until it has really stopped, since its slices are read from them
    return this.idempotency.answer(req, res, route, () =>
      this.studies.analyze(bytes, requestContext(req), { signal: clientGone(req), onStopped: (stopped) => holdUploadUntil(req, stopped) }),
    );
  }

  @Get('studies')
  @Render('study')
  @ApiExcludeEndpoint()
  page(): Record<string, unknown> {
    return {
      title: 'Analyse a study',
      maxBytes: this.config.studyMaxBytes,
      maxBytesLabel: humanBytes(this.config.studyMaxBytes),
      maxSlices: this.config.studyMaxSlices,
      // the server's refusal of a TAR/7-Zip/RAR, which the page says before sending (study-archive.js): one wording
      archiveRefusal: otherArchiveRefused('{where}', '{what}').message,
      archiveOverLimit: archiveAlsoOverLimit(this.config.studyMaxBytes),
      scope: indexScope(this.models.isReady() ? this.models.cards() : []), // what is diagnosed, what only recognised
      scripts: ['/static/js/figures.js', '/static/js/result-view.js', '/static/js/dicom-header.js', '/static/js/study-folder.js', '/static/js/study-details.js', '/static/js/study-archive.js', '/static/js/study.js'],
      styles: ['/static/css/study.css'],
    };
  }
}
