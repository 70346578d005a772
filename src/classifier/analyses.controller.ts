import { Body, Controller, HttpCode, Post, Query, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
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
import { clientGone } from '../common/abort';
import { BadRequestError, MissingFileError } from '../common/errors';
import { AnalysisResult } from './analysis-result';
import { AnalysisResultDto, ErrorBodyDto } from './analysis-result.dto';
import { AnalysisService } from './analysis.service';
import { AnalyzeFieldsDto } from './analyses.dto';
import { requestContext } from './request-context';
import { UploadFieldWords } from '../common/upload-field.interceptor';
import { AppConfig } from '../config/config.service';
import { KEY_HEADER_DOC, KEY_IN_USE_DOC, KEY_IN_USE_HEADERS, REPLAYED_HEADER_DOC } from '../idempotency/idempotency-key';
import { IdempotencyService } from '../idempotency/idempotency.service';

/** Multipart field holding the image. */
export const IMAGE_FIELD = 'image';

@ApiTags('analyses')
@ApiBodyTooLarge()
@Controller('api/v1/analyses')
export class AnalysesController {
  constructor(
    private readonly analysis: AnalysisService,
    private readonly idempotency: IdempotencyService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @AnalysisRoute()
  @UseInterceptors(UploadFieldWords(IMAGE_FIELD, 1, (c) => c.maxUploadBytes), FileInterceptor(IMAGE_FIELD))
  @ApiOperation({
    summary: 'Analyse one MRI image',
    description:
      'File checks → MRI/body-part triage → diagnosis model for that body part → calibrated confidence → heat map. ' +
      'A refusal (not an MRI, unsupported body part, low confidence) is a normal 200 result.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiHeader(KEY_HEADER_DOC)
  @ApiBody({
    schema: {
      type: 'object',
      required: [IMAGE_FIELD],
      properties: {
        [IMAGE_FIELD]: { type: 'string', format: 'binary', description: 'JPEG or PNG, ≤ 5 MB, ≥ 64×64 px' },
        explain: { type: 'boolean', default: true, description: 'false skips the heat map' },
      },
    },
  })
  @ApiOkResponse({ type: AnalysisResultDto, headers: REPLAYED_HEADER_DOC })
  @ApiResponse({ status: 400, type: ErrorBodyDto, description: 'MISSING_FILE, EMPTY_FILE (0 bytes), BAD_REQUEST (a field the schema refuses) or INVALID_IDEMPOTENCY_KEY', headers: REPLAYED_HEADER_DOC })
  @ApiResponse({ status: 409, type: ErrorBodyDto, description: KEY_IN_USE_DOC, headers: KEY_IN_USE_HEADERS })
  @ApiCsrfChecked()
  @ApiAuthenticated({ rateLimits: 'the analyses-per-user limit' })
  @ApiPayloadTooLargeResponse({ type: ErrorBodyDto, description: `FILE_TOO_LARGE (the image), or ${BODY_TOO_LARGE}`, headers: REPLAYED_HEADER_DOC })
  @ApiUnsupportedMediaTypeResponse({ type: ErrorBodyDto, description: 'UNSUPPORTED_TYPE', headers: REPLAYED_HEADER_DOC })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'CORRUPT_IMAGE, RESOLUTION_OUT_OF_RANGE, or IDEMPOTENCY_KEY_REUSED (the key was sent with another request)', headers: REPLAYED_HEADER_DOC })
  @ApiResponse({ status: 503, type: ErrorBodyDto, description: `ANALYSIS_UNAVAILABLE (models not loaded or busy), or ${DATABASE_UNAVAILABLE}` })
  @ApiResponse({ status: 504, type: ErrorBodyDto, description: 'ANALYSIS_TIMEOUT' })
  async create(
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() body: AnalyzeFieldsDto,
    @Query() query: AnalyzeFieldsDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AnalysisResult> {
    if (!file) throw new MissingFileError(IMAGE_FIELD);
    // either place may say it; saying two things is a 400 (the body's used to win unsaid)
    if (body.explain !== undefined && query.explain !== undefined && body.explain !== query.explain) {
      throw new BadRequestError('explain is given twice, with different values (request body and query string); send one.');
    }
    const explain = body.explain ?? query.explain ?? true;
    const route = { route: 'POST /api/v1/analyses', params: { explain }, files: [file.buffer], timeoutMs: this.config.analysisTimeoutMs };
    return this.idempotency.answer(req, res, route, () => this.analysis.analyze(file.buffer, { explain, signal: clientGone(req) }, requestContext(req)));
  }
}

